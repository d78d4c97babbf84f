// E7 `overparametrization`: the DCNN at a series of widths, from well below to well above as many
// parameters as training images, each trained until every training image is classified
// correctly (or to the epoch cap), with the natural labels and, as a control, with the training
// labels shuffled; several seeds each. All of them are independent jobs of one wave. The
// artifact keeps every epoch's record and each net's final weights only.
import { parameterCount } from '../../engine/net.ts';
import type { NetSettings } from '../../profiles/net.ts';
import type { OverparametrizationSettings } from '../../profiles/overparametrization.ts';
import type { StepContext } from '../../step.ts';
import { addTrajectories, SnapshotWriter, type SnapshotIndex } from '../kit/snapshots.ts';
import type { TrajectorySpec } from '../kit/trajectory.ts';
import { runTrajectories } from '../kit/trajectories.ts';

export interface OverparametrizationParams {
  seed: number;
  net: NetSettings;
  over: OverparametrizationSettings;
  /** N, the number of training images */
  trainImages: number;
}

export const LABELLINGS = ['natural', 'shuffled'] as const;
export type Labelling = (typeof LABELLINGS)[number];

/** The artifact: trajectories labelled `labels`, `width`, `parameters` and `seed`. */
export type OverparametrizationIndex = SnapshotIndex<OverparametrizationParams>;

const STREAM = 'overparametrization';

export function trajectoryName(labels: Labelling, width: number, seed: number): string {
  return `${labels}-width-${width}-seed-${seed}`;
}

/** In artifact order: natural labels then shuffled, widths ascending, seeds ascending. */
export function overparametrizationTrajectories({ net, over }: OverparametrizationParams): TrajectorySpec[] {
  const seeds = Array.from({ length: over.seeds }, (_, s) => s + 1);
  return LABELLINGS.flatMap((labels) =>
    [...over.widths].sort((x, y) => x - y).flatMap((width) =>
      seeds.map(
        (seed): TrajectorySpec => ({
          name: trajectoryName(labels, width, seed),
          net: { ...net, width },
          // the same start for both labellings of a width and seed
          start: { kind: 'init', stream: [STREAM, 'init', width, seed] },
          optimizer: { kind: 'sgd', learningRate: over.learningRate, batchSize: over.batchSize },
          epochs: over.maxEpochs,
          until: { trainError: over.targetTrainError },
          stream: [STREAM, labels, width, seed],
          // one shuffle per seed, shared by every width
          ...(labels === 'shuffled' ? { labels: { shuffle: [STREAM, 'labels', seed] } } : {}),
          meta: { labels, width, parameters: parameterCount(width), seed },
        }),
      ),
    ),
  );
}

export async function run(ctx: StepContext<OverparametrizationParams>): Promise<void> {
  const specs = overparametrizationTrajectories(ctx.params);
  const { widths } = ctx.params.over;
  ctx.log(`widths ${widths.join(', ')}: ${widths.map(parameterCount).join(', ')} parameters for ${ctx.params.trainImages} training images`);
  // the widest (slowest) nets first, so no worker is left with a long job at the end
  const order = [...specs].sort((x, y) => y.net.width - x.net.width);
  const outcomes = await runTrajectories(ctx, ctx.params.seed, [{ label: `${specs.length} nets`, trajectories: order }]);
  const writer = new SnapshotWriter(ctx.outDir);
  await addTrajectories(writer, ctx.scratchDir, specs, outcomes, { weights: 'last' });
  await writer.close(ctx.params);
}
