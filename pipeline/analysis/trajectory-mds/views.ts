// Which snapshots a view of an MDS analysis takes: a filter on the labels (`meta`) of the
// trajectories, written as data so that it is part of the step's key. E3 has views per stage,
// E4 per noise level k, E5 per copy; one analysis serves them all.
import type { SnapshotIndex } from '../../experiments/kit/snapshots.ts';

/** A label's wanted value: equal to it, one of a list, or within a range (inclusive). */
export type ViewMatch = string | number | Array<string | number> | { min?: number; max?: number };

export interface MdsViewDecl {
  id: string;
  label: string;
  /** every condition must hold; no conditions: every snapshot */
  where?: Record<string, ViewMatch>;
  /** only these epochs of each trajectory (e.g. every 10th), default all */
  epochs?: { every?: number; last?: boolean };
}

function matches(value: string | number | undefined, want: ViewMatch): boolean {
  if (value === undefined) return false;
  if (Array.isArray(want)) return want.includes(value);
  if (typeof want === 'object') {
    return typeof value === 'number' && (want.min === undefined || value >= want.min) && (want.max === undefined || value <= want.max);
  }
  return value === want;
}

/** The rows of the snapshots the view takes, in index order. */
export function viewRows(index: SnapshotIndex, view: MdsViewDecl): number[] {
  const rows: number[] = [];
  for (const t of index.trajectories) {
    if (!Object.entries(view.where ?? {}).every(([key, want]) => matches(t.meta[key], want))) continue;
    const lastEpoch = t.epochs[t.epochs.length - 1]?.epoch;
    for (const e of t.epochs) {
      const every = view.epochs?.every ?? 1;
      if (e.epoch % every === 0 || (view.epochs?.last && e.epoch === lastEpoch)) rows.push(e.row);
    }
  }
  return rows.sort((a, b) => a - b);
}
