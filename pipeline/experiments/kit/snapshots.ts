// The snapshot artifact of a training experiment: every saved model of every trajectory, with its
// evaluation. One writer and one reader, used by the experiment steps, the analyses, the claims,
// the figures and the tests; the artifact's file names appear nowhere else.
//
//   snapshots.json    the index: the step's settings, and per trajectory its labels, width and
//                     saved epochs (records), each with its row in the layer files; when only the
//                     last epoch's weights are kept, every epoch's record is in its `history`
//   layer-<L>.f32     layer L's weights (L = 2..6, the paper's numbering), one row per snapshot,
//                     in index order; a row's length follows from its trajectory's width
import { access, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { readFloat32, readJson, writeJson } from '../../artifacts.ts';
import { PAPER_LAYERS, layerShapes, layerSize, weightIndex, type PaperLayer, type Weights } from '../../engine/net.ts';
import type { ArtifactRef } from '../../step.ts';
import type { Divergence, EpochRecord, TrajectorySpec } from './trajectory.ts';
import type { TrajectoryOutcome } from './trajectories.ts';
import { TrajectoryStore } from './trajectory-store.ts';

const INDEX_FILE = 'snapshots.json';
const layerFile = (layer: PaperLayer): string => `layer-${layer}.f32`;

export type SavedEpoch = EpochRecord & { row: number };

export interface SnapshotTrajectory {
  name: string;
  meta: Record<string, string | number>;
  width: number;
  epochs: SavedEpoch[];
  /** every trained epoch's record, when the weights of only some are kept (`epochs` lists those) */
  history?: EpochRecord[];
  /** set when training stopped early on a non-finite loss */
  diverged?: Divergence;
  /** set when training stopped early, at this epoch, on reaching its training-error target */
  stoppedAt?: number;
}

/** Which epochs' weights the artifact keeps: every saved one, or each trajectory's last. */
export type KeptWeights = 'every' | 'last';

export interface SnapshotIndex<S = unknown> {
  /** the step's parameters, so readers never need the profile */
  settings: S;
  trajectories: SnapshotTrajectory[];
  rows: number;
}

/** Streams snapshots into the layer files; the index is written by `close`, last. */
export class SnapshotWriter {
  private readonly files: Promise<FileHandle[]>;
  private readonly trajectories: SnapshotTrajectory[] = [];
  private rows = 0;

  constructor(private readonly outDir: string) {
    this.files = Promise.all(PAPER_LAYERS.map((l) => open(join(outDir, layerFile(l)), 'w')));
  }

  /** Starts a trajectory; its snapshots follow with `add` (and records without weights with `addRecord`). */
  trajectory(name: string, meta: SnapshotTrajectory['meta'], width: number, diverged?: Divergence, stoppedAt?: number): void {
    this.trajectories.push({ name, meta, width, epochs: [], ...(diverged ? { diverged } : {}), ...(stoppedAt !== undefined ? { stoppedAt } : {}) });
  }

  /** An epoch's record whose weights are not kept (they may follow with `add`). */
  addRecord(record: EpochRecord): void {
    const current = this.trajectories[this.trajectories.length - 1];
    if (!current) throw new Error('SnapshotWriter.addRecord before any trajectory');
    (current.history ??= []).push(record);
  }

  async add(record: EpochRecord, weights: Weights): Promise<void> {
    const current = this.trajectories[this.trajectories.length - 1];
    if (!current) throw new Error('SnapshotWriter.add before any trajectory');
    const files = await this.files;
    for (const layer of PAPER_LAYERS) {
      const w = weights[weightIndex(layer)]!;
      await files[weightIndex(layer)]!.write(new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
    }
    current.epochs.push({ ...record, row: this.rows++ });
  }

  async close<S>(settings: S): Promise<SnapshotIndex<S>> {
    await Promise.all((await this.files).map((f) => f.close()));
    const index: SnapshotIndex<S> = { settings, trajectories: this.trajectories, rows: this.rows };
    await writeJson(this.outDir, INDEX_FILE, index);
    return index;
  }
}

/**
 * Adds the checkpointed epochs of the given trajectories (in their order) to the artifact: all, or
 * those `keepEvery` asks for; each with its weights, or (`weights: 'last'`) every record but only
 * the last epoch's weights, for experiments whose readers need the final models only.
 */
export async function addTrajectories(
  writer: SnapshotWriter,
  scratchDir: string,
  specs: TrajectorySpec[],
  outcomes: Map<string, TrajectoryOutcome>,
  options: { weights?: KeptWeights } = {},
): Promise<void> {
  for (const spec of specs) {
    const outcome = outcomes.get(spec.name);
    const diverged = outcome?.diverged ?? undefined;
    const stoppedAt = outcome?.stoppedAt ?? undefined;
    const last = diverged ? diverged.epoch - 1 : (stoppedAt ?? spec.epochs);
    const store = new TrajectoryStore<EpochRecord>(scratchDir, spec.name, spec.net.width);
    writer.trajectory(spec.name, spec.meta, spec.net.width, diverged, stoppedAt);
    for (let epoch = 0; epoch <= last; epoch++) {
      if (spec.keepEvery && epoch % spec.keepEvery !== 0 && epoch !== last) continue;
      const record = await store.record(epoch);
      if (!record) throw new Error(`${spec.name} has no checkpoint of epoch ${epoch}`);
      if (options.weights === 'last') writer.addRecord(record);
      if (options.weights !== 'last' || epoch === last) await writer.add(record, await store.weights(epoch));
    }
  }
}

/** Every epoch's record of a trajectory, whether or not its weights were kept. */
export function recordsOf(t: SnapshotTrajectory): EpochRecord[] {
  return t.history ?? t.epochs;
}

export function readSnapshotIndex<S>(ref: ArtifactRef | string): Promise<SnapshotIndex<S>> {
  return readJson<SnapshotIndex<S>>(ref, INDEX_FILE);
}

/** Layer L of every snapshot, one view per row (rows differ in length when widths differ). */
export async function readLayer(ref: ArtifactRef | string, index: SnapshotIndex, layer: PaperLayer): Promise<Float32Array[]> {
  const flat = await readFloat32(ref, layerFile(layer));
  const rows: Float32Array[] = new Array(index.rows);
  let offset = 0;
  for (const t of index.trajectories) {
    const size = layerSize(layerShapes(t.width)[weightIndex(layer)]!);
    for (const e of t.epochs) {
      rows[e.row] = flat.subarray(offset, offset + size);
      offset += size;
    }
  }
  if (offset !== flat.length) throw new Error(`${layerFile(layer)} holds ${flat.length} values, the index accounts for ${offset}`);
  return rows;
}

/** All layers of one snapshot, read from the byte ranges of its row (not the whole files). */
export async function readRow(ref: ArtifactRef | string, index: SnapshotIndex, row: number): Promise<Weights> {
  const dir = typeof ref === 'string' ? ref : ref.dir;
  const rows = snapshotRows(index);
  if (!rows[row]) throw new Error(`the snapshot artifact has no row ${row} (it has ${index.rows})`);
  const shapes = layerShapes(rows[row]!.trajectory.width);
  return Promise.all(
    PAPER_LAYERS.map(async (layer) => {
      const l = weightIndex(layer);
      // rows before this one, each as long as its trajectory's layer
      let offset = 0;
      for (let r = 0; r < row; r++) offset += layerSize(layerShapes(rows[r]!.trajectory.width)[l]!);
      const out = new Float32Array(layerSize(shapes[l]!));
      const file = await open(join(dir, layerFile(layer)), 'r');
      try {
        const { bytesRead } = await file.read(new Uint8Array(out.buffer), 0, out.byteLength, offset * 4);
        if (bytesRead !== out.byteLength) throw new Error(`${layerFile(layer)} ends before row ${row}`);
      } finally {
        await file.close();
      }
      return out;
    }),
  );
}

/** Every snapshot with its trajectory, in row order. */
export function snapshotRows(index: SnapshotIndex): Array<{ trajectory: SnapshotTrajectory; epoch: SavedEpoch }> {
  const out = new Array<{ trajectory: SnapshotTrajectory; epoch: SavedEpoch }>(index.rows);
  for (const trajectory of index.trajectories) for (const epoch of trajectory.epochs) out[epoch.row] = { trajectory, epoch };
  return out;
}

export function findTrajectory(index: SnapshotIndex, name: string): SnapshotTrajectory {
  const t = index.trajectories.find((x) => x.name === name);
  if (!t) throw new Error(`the snapshot artifact has no trajectory ${name}`);
  return t;
}

/**
 * One sentence on the trajectories that diverged, for captions, claims and maps; null when none
 * did. Their saved epochs (up to the last finite loss) stay in the artifact.
 */
export function divergenceNote(index: SnapshotIndex): string | null {
  const diverged = index.trajectories.filter((t) => t.diverged && !t.diverged.startDiverged);
  const unstarted = index.trajectories.filter((t) => t.diverged?.startDiverged);
  if (diverged.length === 0 && unstarted.length === 0) return null;
  const listed = diverged.slice(0, 3).map((t) => `${t.name} in epoch ${t.diverged!.epoch}, loss ${t.diverged!.loss}`);
  if (diverged.length > 3) listed.push(`${diverged.length - 3} more`);
  return (
    `Training diverged: ${diverged.length} of ${index.trajectories.length} runs reached a loss that is not a finite number (${listed.join('; ')}) ` +
    `and stop at their last finite epoch` +
    (unstarted.length ? `; ${unstarted.length} runs were never trained, as the model they start from had diverged` : '') +
    '.'
  );
}

/** The divergence note of an artifact if it is a snapshot artifact (null for any other artifact). */
export async function divergenceOfArtifact(ref: ArtifactRef): Promise<string | null> {
  const isSnapshots = await access(join(ref.dir, INDEX_FILE)).then(() => true, () => false);
  return isSnapshots ? divergenceNote(await readSnapshotIndex(ref)) : null;
}

/** The last saved epoch of a trajectory. */
export function lastEpoch(t: SnapshotTrajectory): SavedEpoch {
  const e = t.epochs[t.epochs.length - 1];
  if (!e) throw new Error(`trajectory ${t.name} has no saved epoch`);
  return e;
}
