// E5's artifact: a snapshot artifact of the kit (every epoch of every trajectory) whose
// trajectories are the global minima and the kicked copies of M_final. The names of its
// trajectories, their labels and the reader that finds M_final, the early model and the copies
// live here, shared by the step, E6, the analyses, the claims, the figures and the tests.
import type { NetSettings } from '../../profiles/net.ts';
import type { FlatMinimaSettings } from '../../profiles/flat-minima.ts';
import type { ArtifactRef } from '../../step.ts';
import type { ModelSource } from '../kit/models.ts';
import { findTrajectory, lastEpoch, readSnapshotIndex, type SavedEpoch, type SnapshotIndex, type SnapshotTrajectory } from '../kit/snapshots.ts';

export const FLAT_MINIMA_STEP = 'experiment:flat-minima';

export interface FlatMinimaParams {
  seed: number;
  net: NetSettings;
  flat: FlatMinimaSettings;
}

export type FlatMinimaIndex = SnapshotIndex<FlatMinimaParams>;

/** Minimum 1 is M_final; minima 2.. are trained the same way from other random initializations. */
export function minimumName(minimum: number, phase: 'sgd' | 'gd'): string {
  return `minimum-${minimum}-${phase}`;
}

export function copyName(k: number, copy: number): string {
  return `k-${k}-copy-${copy}`;
}

/** One saved model: its trajectory and epoch. */
export interface SavedModel {
  trajectory: SnapshotTrajectory;
  epoch: SavedEpoch;
}

export interface FlatMinima {
  ref: ArtifactRef | string;
  index: FlatMinimaIndex;
  settings: FlatMinimaParams;
  /** the end of minimum m's GD run; m = 1 is M_final */
  minimum(m: number): SavedModel;
  /** M_final's SGD run at the early epoch */
  early(): SavedModel;
  /** the copies kicked with noise k x S, in copy order */
  copies(k: number): SnapshotTrajectory[];
  /** how a worker loads a saved model (kit/models.ts) */
  source(model: SavedModel): ModelSource;
}

export async function readFlatMinima(ref: ArtifactRef | string): Promise<FlatMinima> {
  const index = await readSnapshotIndex<FlatMinimaParams>(ref);
  const settings = index.settings;
  const dir = typeof ref === 'string' ? ref : ref.dir;
  const ended = (t: SnapshotTrajectory): SavedModel => ({ trajectory: t, epoch: lastEpoch(t) });
  return {
    ref,
    index,
    settings,
    minimum: (m) => ended(findTrajectory(index, minimumName(m, 'gd'))),
    early() {
      const t = findTrajectory(index, minimumName(1, 'sgd'));
      const epoch = t.epochs.find((e) => e.epoch === settings.flat.earlyEpoch);
      if (!epoch) throw new Error(`M_final's SGD run has no saved epoch ${settings.flat.earlyEpoch}`);
      return { trajectory: t, epoch };
    },
    copies: (k) => Array.from({ length: settings.flat.copies }, (_, c) => findTrajectory(index, copyName(k, c + 1))),
    source: (model) => ({ kind: 'snapshot', dir, row: model.epoch.row }),
  };
}

/** The number of global minima E5 trains: M_final and the others. */
export function minimaCount(settings: FlatMinimaSettings): number {
  return 1 + settings.otherMinima;
}
