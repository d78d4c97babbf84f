// The paper's claims about batch gradient descent (Figure 4 and its appendix), checked on E4's
// snapshots, and against E3's SGD models for generalization. Distances are 1 - cos between
// layer-2 weight vectors (the first convolution), as FIGURES.md states. Figure 4 is the first
// noise level (0.25 x S in the paper); claims about "the branches" of Figure 4 are decided on it,
// and the other levels' numbers are reported beside.
import { cosineDistance, mean } from '../../analysis/distances.ts';
import type { ClaimDecl } from '../../claims/claim.ts';
import { artifactLoader, notApplicable } from '../../claims/claim.ts';
import { ZERO_TRAINING_ERROR } from '../kit/regime.ts';
import { lastEpoch, readLayer, readSnapshotIndex, type SavedEpoch, type SnapshotTrajectory } from '../kit/snapshots.ts';
import type { SgdStagesIndex } from '../sgd-stages/step.ts';
import { atTrainingEpoch, bgdRun, trainingEpoch, type BgdBranchesIndex, type BgdRun, type Branch } from './artifact.ts';

const SOURCE = 'experiment:bgd-branches';
const SGD_SOURCE = 'experiment:sgd-stages';
const LAYER = 2;
const FIGURE_4 = ['fig-04'];
const MAPS = ['fig-04', 'fig-25', 'fig-26', 'fig-27', 'fig-28'];

interface E4 {
  run: BgdRun;
  layer2: Float32Array[];
}

const e4 = artifactLoader(SOURCE, async (ref): Promise<E4> => {
  const index = await readSnapshotIndex<BgdBranchesIndex['settings']>(ref);
  return { run: bgdRun(index), layer2: await readLayer(ref, index, LAYER) };
});

const weightsAt = (d: E4, e: SavedEpoch) => d.layer2[e.row]!;
/** 1 - cos between the last models of a branch and of the main trajectory */
const finalDistance = (d: E4, b: Branch) => cosineDistance(weightsAt(d, lastEpoch(b.branch)), weightsAt(d, lastEpoch(d.run.main)));
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const num = (v: number) => Number(v.toPrecision(3)).toString();
const figure4Noise = (d: E4) => d.run.index.settings.bgd.noise[0]!;

/** The main trajectory's exact full-set loss, epoch by epoch: the loss each BGD step started from. */
function stepLosses(main: SnapshotTrajectory): number[] {
  return main.epochs.map((e) => e.runningLoss).filter((l): l is number => l !== null);
}

export const claims: ClaimDecl[] = [
  {
    id: 'bgd-not-stuck',
    statement: 'Batch gradient descent does not get stuck in a local minimum: it drives the training error to about zero, the loss falling all the way.',
    figures: ['fig-04', 'fig-29', 'fig-30'],
    threshold: "the main BGD trajectory ends at <= 1 % training error, and the exact training loss falls in >= 95 % of its epochs",
    async evaluate(ctx) {
      const { run } = await e4(ctx);
      const final = lastEpoch(run.main).trainError;
      const losses = stepLosses(run.main);
      if (losses.length < 2) return notApplicable('the main trajectory has fewer than two BGD steps');
      const falls = losses.slice(1).filter((l, i) => l < losses[i]!).length / (losses.length - 1);
      return {
        passed: final <= 0.01 && falls >= 0.95,
        numbers: { finalTrainError: final, shareOfEpochsLossFalls: falls, epochs: run.index.settings.bgd.epochs, firstLoss: losses[0]!, lastLoss: losses[losses.length - 1]! },
        summary: `after ${run.index.settings.bgd.epochs} epochs the main trajectory is at ${pct(final)} training error; its loss fell in ${pct(falls)} of the epochs (${num(losses[0]!)} to ${num(losses[losses.length - 1]!)})`,
      };
    },
  },
  {
    id: 'bgd-vs-sgd',
    statement: "The solutions BGD finds generalize somewhat worse than SGD's, but not much worse (the paper: 40 % against 32 % test error).",
    figures: FIGURE_4,
    threshold: "0 <= the test error of BGD's final model - the mean test error of E3's final SGD models <= 15 points; both must fit their training set (<= 0.5 % training error)",
    async evaluate(ctx) {
      const { run } = await e4(ctx);
      const sgd = await readSnapshotIndex<SgdStagesIndex['settings']>(ctx.inputs[SGD_SOURCE]!);
      const stages = sgd.settings.sgd.stages;
      const finals = sgd.trajectories.filter((t) => Number(t.meta['stage']) === stages).map(lastEpoch);
      if (finals.length === 0) return notApplicable('E3 has no final SGD models');
      const bgdTest = lastEpoch(run.main).testError;
      const sgdTest = mean(finals.map((e) => e.testError));
      const gap = bgdTest - sgdTest;
      const branchesTest = mean(run.branches.map((b) => lastEpoch(b.branch).testError));
      const bgdTrain = lastEpoch(run.main).trainError;
      const sgdTrain = Math.max(...finals.map((e) => e.trainError));
      const numbers = { bgdTestError: bgdTest, sgdTestError: sgdTest, differencePoints: 100 * gap, bgdBranchesTestError: branchesTest, bgdTrainError: bgdTrain, sgdWorstTrainError: sgdTrain };
      const summary = `BGD ${pct(bgdTest)} test error (its branches ${pct(branchesTest)} on average) against SGD ${pct(sgdTest)} (mean of the ${finals.length} final models of E3): ${gap >= 0 ? '+' : ''}${(100 * gap).toFixed(1)} points; batch norm by the whole training set's statistics for BGD, the calibration images' for SGD`;
      // the paper compares solutions: models that fit their training set
      const unfit = [bgdTrain > ZERO_TRAINING_ERROR ? `BGD's final model is at ${pct(bgdTrain)}` : '', sgdTrain > ZERO_TRAINING_ERROR ? `E3's final models are at up to ${pct(sgdTrain)}` : ''].filter(Boolean);
      if (unfit.length) return { notApplicable: `the comparison is between solutions, but ${unfit.join(' and ')} training error`, numbers, summary };
      return { passed: gap >= 0 && gap <= 0.15, numbers, summary };
    },
  },
  {
    id: 'bgd-later-kicks-matter-less',
    statement: 'As training proceeds, the same kick is less able to send BGD somewhere else: later branches end closer to the main trajectory.',
    figures: MAPS,
    threshold: 'at noise 0.25 x S (Figure 4), the final distance between a branch and the main trajectory decreases with the branch epoch (the paper\'s 0 > 10 > 50 > 200), and d(first) >= 2 x d(last)',
    async evaluate(ctx) {
      const d = await e4(ctx);
      const distances = (k: number) => d.run.at(k).map((b) => ({ from: b.from, distance: finalDistance(d, b) }));
      const main = distances(figure4Noise(d));
      if (main.length < 2) return notApplicable('fewer than two branch epochs');
      const decreasing = (list: typeof main) => list.every((x, i) => i === 0 || x.distance < list[i - 1]!.distance);
      const ratio = main[0]!.distance / main[main.length - 1]!.distance;
      const others = d.run.index.settings.bgd.noise.slice(1).map((k) => ({ k, decreasing: decreasing(distances(k)) }));
      return {
        passed: decreasing(main) && ratio >= 2,
        numbers: {
          ...Object.fromEntries(main.map((x) => [`distanceFromEpoch${x.from}`, x.distance])),
          firstOverLast: ratio,
          ...Object.fromEntries(others.map((o) => [`decreasingAtNoise${o.k}`, o.decreasing ? 1 : 0])),
        },
        summary:
          `final distance to the main trajectory by branch epoch: ${main.map((x) => `${x.from}: ${num(x.distance)}`).join(', ')} (first / last ${num(ratio)}); ` +
          (others.length ? `at ${others.map((o) => `${o.k} x S ${o.decreasing ? '' : 'not '}decreasing`).join(', ')}` : ''),
      };
    },
  },
  {
    id: 'bgd-kick-changes-model',
    statement: 'A kick almost always leads BGD to at least a slightly different model.',
    figures: ['fig-04', 'fig-25', 'fig-26', 'fig-27', 'fig-28', 'fig-29', 'fig-30'],
    threshold: "every branch's final distance to the main trajectory (every noise level) >= 5 x the main trajectory's last-epoch step",
    async evaluate(ctx) {
      const d = await e4(ctx);
      const epochs = d.run.main.epochs;
      if (epochs.length < 2) return notApplicable('the main trajectory has no step');
      const step = cosineDistance(weightsAt(d, epochs[epochs.length - 2]!), weightsAt(d, epochs[epochs.length - 1]!));
      const closest = d.run.branches.map((b) => ({ b, distance: finalDistance(d, b) })).reduce((x, y) => (y.distance < x.distance ? y : x));
      const ratio = step > 0 ? closest.distance / step : null;
      return {
        passed: ratio === null ? closest.distance > 0 : ratio >= 5,
        numbers: { smallestRatio: ratio, smallestDistance: closest.distance, lastEpochStep: step, noise: closest.b.k, branchEpoch: closest.b.from },
        summary: `the closest branch (${closest.b.k} x S from epoch ${closest.b.from}) ends ${num(closest.distance)} from the main trajectory, ${ratio === null ? 'which no longer moves' : `${num(ratio)} x its last-epoch step (${num(step)})`}`,
      };
    },
  },
  {
    id: 'bgd-averages-work',
    statement: 'Averaging a branch with the main trajectory, epoch by epoch, gives models that perform reasonably.',
    figures: MAPS,
    threshold: "at noise 0.25 x S (Figure 4), every epoch-wise average of the main trajectory with the branches started at the paper's epochs 50 and 200 has training error <= the worse of the two + 5 points",
    async evaluate(ctx) {
      const d = await e4(ctx);
      const branches = d.run.at(figure4Noise(d)).slice(-2);
      if (branches.length < 2) return notApplicable('fewer than two branch epochs');
      const excesses = branches.flatMap((b) =>
        b.average.epochs.map((e) => {
          const epoch = trainingEpoch(b.average, e);
          const worse = Math.max(atTrainingEpoch(d.run.main, epoch)!.trainError, atTrainingEpoch(b.branch, epoch)!.trainError);
          return { from: b.from, epoch, excess: e.trainError - worse, average: e.trainError };
        }),
      );
      const worst = excesses.reduce((x, y) => (y.excess > x.excess ? y : x));
      return {
        passed: worst.excess <= 0.05,
        numbers: { worstExcessPoints: 100 * worst.excess, atEpoch: worst.epoch, branchEpoch: worst.from, averagesChecked: excesses.length, finalAverageTrainError: lastEpoch(branches[1]!.average).trainError },
        summary: `over ${excesses.length} averages of the branches from epochs ${branches.map((b) => b.from).join(' and ')}, the worst is ${(100 * worst.excess).toFixed(1)} points ${worst.excess >= 0 ? 'above' : 'below'} the worse of its two models (epoch ${worst.epoch}, branch from ${worst.from})`,
      };
    },
  },
];
