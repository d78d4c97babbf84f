// E4 `bgd-branches`: exact full-batch gradient descent from a random start (the main trajectory);
// at each branch epoch b, for each noise level k, a branch leaves it kicked by Gaussian noise of
// std k x S in every layer and continues with the same BGD to the main trajectory's last epoch.
// Epoch by epoch, the average of each branch's model and the main trajectory's model of the same
// epoch is evaluated (train and test) and saved beside them, so the MDS maps place it too.
//
// The artifact is the kit's snapshot index; each trajectory's `meta` says what it is:
//   role 'main' (k 0), 'branch' or 'average', its noise k and the epoch `from` it left the main
//   trajectory; a saved epoch e of a trajectory is epoch from + e of training.
// The random initial models (epoch 0 of the main trajectory and of the branches from epoch 0) are
// not models the paper evaluates: the figures label them NaN, and the average of two of them is
// neither evaluated nor saved.
// Every model, averages included, is evaluated with batch norm under the whole training set's
// statistics, the ones each BGD step normalizes with: its training loss is exactly the loss BGD
// descends, and the pass that evaluates a trajectory's model also gives its next step's gradient
// (engine/training-set-evaluation.ts).
import type { BgdBranchesSettings } from '../../profiles/bgd-branches.ts';
import type { StepContext } from '../../step.ts';
import type { ModelToEvaluate } from '../kit/evaluate-job.ts';
import { runEvaluations } from '../kit/evaluations.ts';
import { averageOf, mixModels, type ModelSource } from '../kit/models.ts';
import { addTrajectories, SnapshotWriter } from '../kit/snapshots.ts';
import type { Optimizer, TrajectorySpec } from '../kit/trajectory.ts';
import { runTrajectories, type TrajectoryOutcome, type Wave } from '../kit/trajectories.ts';
import { averageName, branchName, MAIN, type BgdBranchesParams } from './artifact.ts';

const STREAM = 'bgd-branches';

/** Wave 1: the main trajectory and the branches from its start; wave 2: every later branch. */
export function branchWaves({ net, bgd }: BgdBranchesParams): Wave[] {
  const optimizer: Optimizer = { kind: 'gd', learningRate: bgd.learningRate, chunkSize: bgd.chunkSize };
  const init = { kind: 'init' as const, stream: [STREAM, 'init'] };
  const main: TrajectorySpec = { name: MAIN, net, start: init, optimizer, epochs: bgd.epochs, bnStatistics: 'training-set', stream: [STREAM, MAIN], confusion: 'last', meta: { role: 'main', k: 0, from: 0 } };
  const branch = (k: number, from: number): TrajectorySpec => ({
    name: branchName(k, from),
    net,
    // a branch from epoch 0 kicks the very model the main trajectory starts from
    start: from === 0 ? init : { kind: 'trajectory', name: MAIN, epoch: from },
    perturb: { scale: k, stream: [STREAM, 'kick', k, from] },
    optimizer,
    epochs: bgd.epochs - from,
    bnStatistics: 'training-set',
    stream: [STREAM, 'branch', k, from],
    confusion: 'last',
    meta: { role: 'branch', k, from },
  });
  checkSettings(bgd);
  const at = (pick: (from: number) => boolean) => bgd.branchEpochs.filter(pick).flatMap((from) => bgd.noise.map((k) => branch(k, from)));
  return [
    { label: 'main trajectory and branches from epoch 0', trajectories: [main, ...at((b) => b === 0)] },
    { label: 'later branches', trajectories: at((b) => b > 0) },
  ].filter((w) => w.trajectories.length > 0);
}

function checkSettings(bgd: BgdBranchesSettings): void {
  const bad = bgd.branchEpochs.find((b, i) => !Number.isInteger(b) || b < 0 || b >= bgd.epochs || (i > 0 && b <= bgd.branchEpochs[i - 1]!));
  if (bad !== undefined) throw new Error(`branch epochs must be increasing integers below the main trajectory's ${bgd.epochs} epochs, got ${bgd.branchEpochs.join(', ')}`);
}

/** The last saved epoch of a trajectory (one before the epoch it diverged in, if it did). */
function lastSaved(spec: TrajectorySpec, outcomes: Map<string, TrajectoryOutcome>): number {
  const diverged = outcomes.get(spec.name)?.diverged;
  return diverged ? diverged.epoch - 1 : spec.epochs;
}

interface Average {
  k: number;
  from: number;
  /** per saved epoch e (epoch from + e of training): the two models */
  epochs: Array<{ epoch: number; mix: ModelToEvaluate['mix'] }>;
}

/** The epoch-wise averages of every branch with the main trajectory, where both have a model. */
function averages(ctx: StepContext<BgdBranchesParams>, specs: TrajectorySpec[], outcomes: Map<string, TrajectoryOutcome>): Average[] {
  const main = specs.find((s) => s.name === MAIN)!;
  const mainLast = lastSaved(main, outcomes);
  const checkpoint = (trajectory: string, epoch: number): ModelSource => ({ kind: 'checkpoint', scratchDir: ctx.scratchDir, trajectory, width: main.net.width, epoch });
  return specs
    .filter((s) => s.meta['role'] === 'branch')
    .map((spec) => {
      const k = Number(spec.meta['k']);
      const from = Number(spec.meta['from']);
      const last = Math.min(lastSaved(spec, outcomes), mainLast - from);
      const epochs: Average['epochs'] = [];
      // both models random at the start of a branch from epoch 0: not evaluated, as in the paper
      const every = ctx.params.bgd.averageEvery;
      for (let e = from === 0 ? 1 : 0; e <= last; e++) {
        if (e % every === 0 || e === last) epochs.push({ epoch: e, mix: averageOf(checkpoint(MAIN, from + e), checkpoint(spec.name, e)) });
      }
      return { k, from, epochs };
    });
}

export async function run(ctx: StepContext<BgdBranchesParams>): Promise<void> {
  const waves = branchWaves(ctx.params);
  const specs = waves.flatMap((w) => w.trajectories);
  const outcomes = await runTrajectories(ctx, ctx.params.seed, waves);

  const averaged = averages(ctx, specs, outcomes);
  const models = averaged.flatMap((a) => a.epochs.map(({ epoch, mix }) => ({ name: `${averageName(a.k, a.from)}/${epoch}`, mix })));
  const evaluations = await runEvaluations(ctx, ctx.params.net, models, 'averages of branch and main', { trainingSet: { chunkSize: ctx.params.bgd.chunkSize } });

  const writer = new SnapshotWriter(ctx.outDir);
  await addTrajectories(writer, ctx.scratchDir, specs, outcomes);
  for (const a of averaged) {
    const name = averageName(a.k, a.from);
    writer.trajectory(name, { role: 'average', k: a.k, from: a.from }, ctx.params.net.width);
    for (const { epoch, mix } of a.epochs) {
      const e = evaluations.get(`${name}/${epoch}`)!;
      const record = { epoch, trainError: e.trainError, trainLoss: e.trainLoss, testError: e.testError, testLoss: e.testLoss, runningLoss: null, runningError: null };
      await writer.add(record, await mixModels(mix));
    }
  }
  await writer.close(ctx.params);
}
