// Models that were never trained as such: averages of two trajectories' models, points on a
// straight line between two solutions, a step along a random direction. A model is named as a
// linear combination of saved models (checkpoints of this step, or rows of another step's snapshot
// artifact) and seeded random directions around them, so a worker can build it from files and the
// request stays small JSON.
import type { Weights } from '../../engine/net.ts';
import { Rng } from '../../engine/random.ts';
import { combine, filterNormalizedDirection } from '../../engine/weights.ts';
import { readRow, readSnapshotIndex, type SnapshotIndex } from './snapshots.ts';
import type { Stream } from './trajectory.ts';
import { TrajectoryStore } from './trajectory-store.ts';

export type ModelSource =
  /** epoch `epoch` of a trajectory checkpointed in a step's scratch folder */
  | { kind: 'checkpoint'; scratchDir: string; trajectory: string; width: number; epoch: number }
  /** row `row` of a snapshot artifact (the folder of an experiment step's object) */
  | { kind: 'snapshot'; dir: string; row: number }
  /**
   * a random direction filter-normalized to the model `around` (engine/weights.ts), drawn from
   * `stream` under the root `seed`: the same direction in every worker and every run
   */
  | { kind: 'direction'; around: ModelSource; seed: number; stream: Stream };

/** sum_i coefficient_i * model_i; one term with coefficient 1 is the model itself. */
export type ModelMix = Array<{ coefficient: number; source: ModelSource }>;

const indexes = new Map<string, Promise<SnapshotIndex>>();

export async function loadModel(source: ModelSource): Promise<Weights> {
  if (source.kind === 'direction') return filterNormalizedDirection(await loadModel(source.around), new Rng(source.seed, ...source.stream));
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

/** model + t x (a random direction filter-normalized to it): one point of a 1-D profile of the loss. */
export function alongDirection(model: ModelSource, direction: { seed: number; stream: Stream }, t: number): ModelMix {
  return [
    { coefficient: 1, source: model },
    { coefficient: t, source: { kind: 'direction', around: model, ...direction } },
  ];
}
