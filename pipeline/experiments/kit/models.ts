// Models that were never trained as such: averages of two trajectories' models, points on a
// straight line between two solutions, a kicked copy. A model is named as a linear combination of
// saved models (checkpoints of this step, or rows of another step's snapshot artifact), so a
// worker can build it from files and the request stays small JSON.
import type { Weights } from '../../engine/net.ts';
import { combine } from '../../engine/weights.ts';
import { readRow, readSnapshotIndex, type SnapshotIndex } from './snapshots.ts';
import { TrajectoryStore } from './trajectory-store.ts';

export type ModelSource =
  /** epoch `epoch` of a trajectory checkpointed in a step's scratch folder */
  | { kind: 'checkpoint'; scratchDir: string; trajectory: string; width: number; epoch: number }
  /** row `row` of a snapshot artifact (the folder of an experiment step's object) */
  | { kind: 'snapshot'; dir: string; row: number };

/** sum_i coefficient_i * model_i; one term with coefficient 1 is the model itself. */
export type ModelMix = Array<{ coefficient: number; source: ModelSource }>;

const indexes = new Map<string, Promise<SnapshotIndex>>();

export async function loadModel(source: ModelSource): Promise<Weights> {
  if (source.kind === 'checkpoint') {
    const store = new TrajectoryStore(source.scratchDir, source.trajectory, source.width);
    if (!(await store.record(source.epoch))) throw new Error(`${source.trajectory} has no checkpoint of epoch ${source.epoch}`);
    return store.weights(source.epoch);
  }
  let index = indexes.get(source.dir);
  if (!index) {
    index = readSnapshotIndex(source.dir);
    indexes.set(source.dir, index);
  }
  return readRow(source.dir, await index, source.row);
}

export async function mixModels(mix: ModelMix): Promise<Weights> {
  if (mix.length === 1 && mix[0]!.coefficient === 1) return loadModel(mix[0]!.source);
  const terms = await Promise.all(mix.map(async ({ coefficient, source }) => ({ coefficient, weights: await loadModel(source) })));
  return combine(terms);
}

/** The average of two saved models. */
export function averageOf(a: ModelSource, b: ModelSource): ModelMix {
  return [
    { coefficient: 0.5, source: a },
    { coefficient: 0.5, source: b },
  ];
}

/** (1 - alpha) A + alpha B. */
export function lineBetween(a: ModelSource, b: ModelSource, alpha: number): ModelMix {
  return [
    { coefficient: 1 - alpha, source: a },
    { coefficient: alpha, source: b },
  ];
}
