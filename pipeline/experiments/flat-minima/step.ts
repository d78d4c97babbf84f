// E5 `flat-minima`: global minima, and copies of one of them kicked and retrained (the paper's
// Figure 5). Every minimum is trained from its own random model by SGD and then full-batch GD;
// minimum 1 is M_final, the others are E6's models from other initializations. M_final is then
// kicked layerwise with Gaussian noise of k x S, `copies` times for every k, and each copy
// continues with full-batch GD. Three waves of the kit's runner: the SGD runs, the GD runs, the
// copies (all independent of one another, so they fill the workers).
import type { StepContext } from '../../step.ts';
import type { TrajectorySpec } from '../kit/trajectory.ts';
import { runToSnapshots, type Wave } from '../kit/trajectories.ts';
import { copyName, minimaCount, minimumName, type FlatMinimaParams } from './artifact.ts';

const STREAM = 'flat-minima';

export function flatMinimaWaves({ net, flat }: FlatMinimaParams): Wave[] {
  const minima = Array.from({ length: minimaCount(flat) }, (_, i) => i + 1);
  const sgd = minima.map(
    (m): TrajectorySpec => ({
      name: minimumName(m, 'sgd'),
      net,
      start: { kind: 'init', stream: [STREAM, 'minimum', m, 'init'] },
      optimizer: { kind: 'sgd', learningRate: flat.minimum.sgd.learningRate, batchSize: flat.minimum.sgd.batchSize },
      epochs: flat.minimum.sgd.epochs,
      // only the early model and the end are read: keep every earlyEpoch-th
      keepEvery: flat.earlyEpoch,
      stream: [STREAM, 'minimum', m, 'sgd'],
      meta: { role: 'minimum-sgd', minimum: m },
    }),
  );
  const gd = minima.map(
    (m): TrajectorySpec => ({
      name: minimumName(m, 'gd'),
      net,
      start: { kind: 'trajectory', name: minimumName(m, 'sgd'), epoch: flat.minimum.sgd.epochs },
      optimizer: { kind: 'gd', learningRate: flat.minimum.gd.learningRate, chunkSize: flat.minimum.gd.chunkSize },
      epochs: flat.minimum.gd.epochs,
      keepEvery: flat.minimum.gd.epochs,
      stream: [STREAM, 'minimum', m, 'gd'],
      predictions: 'last',
      meta: { role: 'minimum-gd', minimum: m },
    }),
  );
  const copies = flat.ks.flatMap((k) =>
    Array.from(
      { length: flat.copies },
      (_, c): TrajectorySpec => ({
        name: copyName(k, c + 1),
        net,
        start: { kind: 'trajectory', name: minimumName(1, 'gd'), epoch: flat.minimum.gd.epochs },
        perturb: { scale: k, stream: [STREAM, 'copy', k, c + 1, 'kick'] },
        optimizer: { kind: 'gd', learningRate: flat.retrain.learningRate, chunkSize: flat.retrain.chunkSize },
        epochs: flat.retrain.epochs,
        stream: [STREAM, 'copy', k, c + 1],
        confusion: 'last',
        predictions: 'last',
        meta: { role: 'copy', k, copy: c + 1 },
      }),
    ),
  );
  return [
    { label: `SGD to ${minima.length} minima`, trajectories: sgd },
    { label: `GD to ${minima.length} minima`, trajectories: gd },
    { label: `${copies.length} kicked copies of M_final`, trajectories: copies },
  ];
}

export async function run(ctx: StepContext<FlatMinimaParams>): Promise<void> {
  await runToSnapshots(ctx, ctx.params.seed, flatMinimaWaves(ctx.params), ctx.params);
}
