// E3 `sgd-stages`: the training process cut into stages of parallel SGD trajectories
// (the paper's Figure 3). In stage s, trajectories 1 .. firstPerturbed-1 start from P, the final
// model of trajectory 1 of stage s-1 (the random initial model for stage 1); the others start
// from P plus Gaussian noise of std perturbScale x (each layer's weight std), a fresh draw per
// trajectory. The stages are waves of the kit's trajectory runner; every epoch's weights are kept.
import type { NetSettings } from '../../profiles/net.ts';
import type { SgdStagesSettings } from '../../profiles/sgd-stages.ts';
import type { StepContext } from '../../step.ts';
import type { SnapshotIndex } from '../kit/snapshots.ts';
import type { TrajectorySpec } from '../kit/trajectory.ts';
import { runToSnapshots, type Wave } from '../kit/trajectories.ts';

export interface SgdStagesParams {
  seed: number;
  net: NetSettings;
  sgd: SgdStagesSettings;
}

/** The artifact: a snapshot index whose trajectories carry `stage` and `trajectory` in `meta`. */
export type SgdStagesIndex = SnapshotIndex<SgdStagesParams>;

const STREAM = 'sgd-stages';

export function trajectoryName(stage: number, trajectory: number): string {
  return `stage-${stage}-trajectory-${trajectory}`;
}

/** One wave per stage; each stage starts from the end of trajectory 1 of the stage before. */
export function stageWaves({ net, sgd }: SgdStagesParams): Wave[] {
  return Array.from({ length: sgd.stages }, (_, s) => {
    const stage = s + 1;
    const trajectories = Array.from({ length: sgd.trajectories }, (_, t): TrajectorySpec => {
      const trajectory = t + 1;
      return {
        name: trajectoryName(stage, trajectory),
        net,
        start: stage === 1 ? { kind: 'init', stream: [STREAM, 'init'] } : { kind: 'trajectory', name: trajectoryName(stage - 1, 1), epoch: sgd.epochsPerStage },
        ...(trajectory >= sgd.firstPerturbed ? { perturb: { scale: sgd.perturbScale, stream: [STREAM, stage, trajectory, 'perturb'] } } : {}),
        optimizer: { kind: 'sgd', learningRate: sgd.learningRate, batchSize: sgd.batchSize },
        epochs: sgd.epochsPerStage,
        stream: [STREAM, stage, trajectory],
        meta: { stage, trajectory },
      };
    });
    return { label: `stage ${stage}/${sgd.stages}`, trajectories };
  });
}

export async function run(ctx: StepContext<SgdStagesParams>): Promise<void> {
  await runToSnapshots(ctx, ctx.params.seed, stageWaves(ctx.params), ctx.params);
}
