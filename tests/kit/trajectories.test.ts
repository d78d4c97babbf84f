// The experiment kit on a toy experiment: trajectories of both optimizers in two waves (the second
// starting from a kicked checkpoint of the first), resumed from their checkpoints, written to the
// snapshot artifact and read back through its one reader, derived models (averages, lines)
// evaluated in workers; a diverging trajectory stops and says so.
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legendreCoefficients, legendreToMonomial } from '../../pipeline/analysis/relu-fits.ts';
import { loadDatasetCached } from '../../pipeline/data/cached.ts';
import { layerShapes, layerSize, weightIndex } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { perturb } from '../../pipeline/engine/weights.ts';
import { runEvaluations } from '../../pipeline/experiments/kit/evaluations.ts';
import { averageOf, lineBetween } from '../../pipeline/experiments/kit/models.ts';
import { addTrajectories, findTrajectory, readLayer, readRow, readSnapshotIndex, recordsOf, snapshotRows, SnapshotWriter } from '../../pipeline/experiments/kit/snapshots.ts';
import type { EpochRecord, TrajectorySpec } from '../../pipeline/experiments/kit/trajectory.ts';
import { runTrajectories, type Wave } from '../../pipeline/experiments/kit/trajectories.ts';
import { trainingSplit } from '../../pipeline/experiments/kit/trajectory-job.ts';
import { TrajectoryStore } from '../../pipeline/experiments/kit/trajectory-store.ts';
import type { StepContext } from '../../pipeline/step.ts';
import { makeToy, toyNet, toyGdBranch, toySgdTrajectory, type Toy } from './toy.ts';

const SEED = 11;
const net = toyNet;
let dataDir: string;

let toy: Toy;

function context(name: string, logs: string[] = [], progress: number[] = []): StepContext {
  return toy.context(name, { logs, progress });
}

const a: TrajectorySpec = toySgdTrajectory(2);
const wide: TrajectorySpec = { ...a, name: 'wide', net: net(5), stream: ['toy', 'wide'], confusion: 'none', meta: { role: 'wide' } };
const b: TrajectorySpec = toyGdBranch(1, { role: 'branch', k: 0.1 });
const waves: Wave[] = [
  { label: 'first', trajectories: [a, wide] },
  { label: 'second', trajectories: [b] },
];

beforeAll(async () => {
  toy = await makeToy('lf-kit-');
  dataDir = toy.dataDir;
});
afterAll(async () => toy.remove());

describe('the experiment kit', () => {
  it('runs SGD and GD trajectories in waves, resumes them, and writes one snapshot artifact', async () => {
    const progress: number[] = [];
    const ctx = context('toy', [], progress);
    const outcomes = await runTrajectories(ctx, SEED, waves);
    expect([...outcomes.values()].map((o) => o.resumedAfter)).toEqual([0, 0, 0]);
    expect(progress[progress.length - 1]).toBe(6);

    // b starts from a's epoch-1 checkpoint with a kick of 0.1 x S, drawn from its own stream
    const store = (name: string, width: number) => new TrajectoryStore<EpochRecord>(ctx.scratchDir, name, width);
    const kicked = perturb(await store('a', 3).weights(1), 0.1, new Rng(SEED, 'toy', 'b', 'kick'));
    const bStart = await store('b', 3).weights(0);
    kicked.forEach((layer, l) => expect(Array.from(bStart[l]!)).toEqual(Array.from(layer)));

    await mkdir(ctx.outDir, { recursive: true });
    const writer = new SnapshotWriter(ctx.outDir);
    await addTrajectories(writer, ctx.scratchDir, [a, wide, b], outcomes);
    await writer.close({ toy: true });

    const index = await readSnapshotIndex<{ toy: boolean }>(ctx.outDir);
    expect(index.settings).toEqual({ toy: true });
    expect(index.rows).toBe(9);
    expect(index.trajectories.map((t) => [t.name, t.width, t.epochs.length])).toEqual([['a', 3, 3], ['wide', 5, 3], ['b', 3, 3]]);
    expect(findTrajectory(index, 'b').meta).toEqual({ role: 'branch', k: 0.1 });
    // confusion matrices where asked: a's last epoch only
    const withConfusion = snapshotRows(index).filter((r) => r.epoch.confusion).map((r) => `${r.trajectory.name}/${r.epoch.epoch}`);
    expect(withConfusion).toEqual(['a/2']);
    const conf = findTrajectory(index, 'a').epochs[2]!.confusion!;
    expect(conf.train.reduce((x, y) => x + y, 0)).toBe(60);
    expect(conf.test.reduce((x, y) => x + y, 0)).toBe(30);

    // layer rows follow each trajectory's width, and hold exactly the checkpointed weights
    for (const layer of [2, 4, 6] as const) {
      const rows = await readLayer(ctx.outDir, index, layer);
      expect(rows).toHaveLength(9);
      for (const t of index.trajectories) {
        for (const e of t.epochs) {
          const saved = (await store(t.name, t.width).weights(e.epoch))[weightIndex(layer)]!;
          expect(rows[e.row]!.length).toBe(layerSize(layerShapes(t.width)[weightIndex(layer)]!));
          expect(Array.from(rows[e.row]!)).toEqual(Array.from(saved));
        }
      }
    }

    // derived models: a saved model evaluates exactly as its record says, from a checkpoint or from
    // the artifact's row; the average of two models lies between them
    const checkpoint = (name: string, epoch: number) => ({ kind: 'checkpoint' as const, scratchDir: ctx.scratchDir, trajectory: name, width: 3, epoch });
    const bLast = findTrajectory(index, 'b').epochs[2]!;
    const evaluations = await runEvaluations(ctx, net(3), [
      { name: 'a2', mix: [{ coefficient: 1, source: checkpoint('a', 2) }], confusion: true },
      { name: 'b2-row', mix: [{ coefficient: 1, source: { kind: 'snapshot', dir: ctx.outDir, row: bLast.row } }] },
      { name: 'mean', mix: averageOf(checkpoint('a', 2), checkpoint('b', 2)) },
      { name: 'a-again', mix: lineBetween(checkpoint('a', 2), checkpoint('b', 2), 0) },
    ], 'toy models');
    const aLast = findTrajectory(index, 'a').epochs[2]!;
    expect(evaluations.get('a2')).toMatchObject({ trainLoss: aLast.trainLoss, testError: aLast.testError, confusion: aLast.confusion });
    expect(evaluations.get('b2-row')).toMatchObject({ trainLoss: bLast.trainLoss, testLoss: bLast.testLoss });
    expect(evaluations.get('a-again')!.trainLoss).toBe(aLast.trainLoss);
    const rowWeights = await readRow(ctx.outDir, index, bLast.row);
    const saved = await store('b', 3).weights(2);
    rowWeights.forEach((layer, l) => expect(Array.from(layer)).toEqual(Array.from(saved[l]!)));
    expect(Number.isFinite(evaluations.get('mean')!.trainLoss)).toBe(true);

    // a rerun finds every trajectory complete and trains nothing
    const logs: string[] = [];
    const again = await runTrajectories(context('toy', logs), SEED, waves);
    expect([...again.values()].map((o) => o.resumedAfter)).toEqual([2, 2, 2]);
    expect(logs).toEqual(['first: from checkpoints, 2 trajectories already complete', 'second: from checkpoints, 1 trajectories already complete']);
  });

  it('stops a trajectory whose loss is no longer finite, and records where', async () => {
    const logs: string[] = [];
    const ctx = context('diverging', logs);
    const wild: TrajectorySpec = { ...a, name: 'wild', optimizer: { kind: 'sgd', learningRate: 1e38, batchSize: 20 }, epochs: 3, confusion: 'none' };
    const outcomes = await runTrajectories(ctx, SEED, [{ label: 'only', trajectories: [wild] }]);
    const diverged = outcomes.get('wild')!.diverged;
    expect(diverged).not.toBeNull();
    expect(logs.some((l) => /wild diverged in epoch \d/.test(l))).toBe(true);
    await mkdir(ctx.outDir, { recursive: true });
    const writer = new SnapshotWriter(ctx.outDir);
    await addTrajectories(writer, ctx.scratchDir, [wild], outcomes);
    const index = await writer.close(null);
    expect(index.trajectories[0]!.diverged).toEqual(diverged);
    expect(index.trajectories[0]!.epochs).toHaveLength(diverged!.epoch);
    // a rerun does not train it again
    const again = await runTrajectories(context('diverging'), SEED, [{ label: 'only', trajectories: [wild] }]);
    expect(again.get('wild')!.diverged).toEqual(diverged);
  });

  it('refuses to start from a checkpoint that was never saved', async () => {
    const orphan: TrajectorySpec = { ...b, name: 'orphan', start: { kind: 'trajectory', name: 'nowhere', epoch: 3 } };
    await expect(runTrajectories(context('orphan'), SEED, [{ label: 'only', trajectories: [orphan] }])).rejects.toThrow(
      /orphan starts from nowhere at epoch 3, but it has no checkpoint of that epoch/,
    );
  });
});

describe('the trajectory options', () => {
  const poly: TrajectorySpec = {
    ...a,
    name: 'poly',
    activation: { kind: 'polynomial', interval: 3, coefficients: legendreToMonomial(legendreCoefficients(3, 4), 1), outside: 'clamp' },
    stream: ['toy', 'poly'],
    meta: { role: 'poly' },
  };

  it('trains with a polynomial activation, records its pre-activations, and evaluates its models with it', async () => {
    const ctx = context('poly');
    const outcomes = await runTrajectories(ctx, SEED, [{ label: 'only', trajectories: [poly] }]);
    const store = new TrajectoryStore<EpochRecord>(ctx.scratchDir, 'poly', 3);
    expect((await store.record(0))!.preActivations).toBeUndefined();
    for (const epoch of [1, 2]) {
      const seen = (await store.record(epoch))!.preActivations!;
      expect(seen.interval).toBe(3);
      // 60 images an epoch at 16x16, 8x8, 4x4 and 2x2 positions of 3 channels
      expect(seen.total).toEqual([256, 64, 16, 4].map((p) => 60 * p * 3));
      seen.outside.forEach((n, l) => expect(n).toBeLessThanOrEqual(seen.total[l]!));
    }
    // the same model evaluated by the evaluation job with the same activation gives the same numbers
    const checkpoint = { kind: 'checkpoint' as const, scratchDir: ctx.scratchDir, trajectory: 'poly', width: 3, epoch: 2 };
    const withPoly = await runEvaluations(ctx, net(3), [{ name: 'p', mix: [{ coefficient: 1, source: checkpoint }] }], 'poly', { activation: poly.activation });
    const withRelu = await runEvaluations(ctx, net(3), [{ name: 'p', mix: [{ coefficient: 1, source: checkpoint }] }], 'relu');
    const last = (await store.record(2))!;
    expect(withPoly.get('p')).toMatchObject({ trainLoss: last.trainLoss, testLoss: last.testLoss });
    expect(withRelu.get('p')!.trainLoss).not.toBe(last.trainLoss);
    expect(outcomes.get('poly')!.stoppedAt).toBeNull();
  });

  it('shuffles the training labels from a named stream, and never the test labels', async () => {
    const data = await loadDatasetCached(dataDir);
    const shuffled: TrajectorySpec = { ...a, name: 'shuffled', labels: { shuffle: ['toy', 'labels'] }, confusion: 'every' };
    const split = trainingSplit(data.train, SEED, shuffled);
    const counts = (labels: Int32Array) => Array.from({ length: 10 }, (_, c) => labels.filter((l) => l === c).length);
    expect(counts(split.labels)).toEqual(counts(data.train.labels));
    expect(Array.from(split.labels)).not.toEqual(Array.from(data.train.labels));
    expect(trainingSplit(data.train, SEED, { ...shuffled, name: 'other' }).labels).toEqual(split.labels);
    expect(trainingSplit(data.train, SEED, a)).toBe(data.train);

    // the same start, natural and shuffled: the test numbers agree at epoch 0, the training numbers do not
    const ctx = context('shuffled');
    await runTrajectories(ctx, SEED, [{ label: 'only', trajectories: [{ ...a, confusion: 'every' }, shuffled] }]);
    const [natural, random] = await Promise.all(['a', 'shuffled'].map((n) => new TrajectoryStore<EpochRecord>(ctx.scratchDir, n, 3).record(0)));
    expect(random!.testLoss).toBe(natural!.testLoss);
    expect(random!.confusion!.test).toEqual(natural!.confusion!.test);
    expect(random!.trainLoss).not.toBe(natural!.trainLoss);
    // the training confusion matrix counts the shuffled labels as the truth
    const rows = (m: number[]) => Array.from({ length: 10 }, (_, c) => m.slice(10 * c, 10 * c + 10).reduce((x, y) => x + y, 0));
    expect(rows(random!.confusion!.train)).toEqual(counts(split.labels));
  });

  it('evaluates GD under the training set statistics: the loss each record gives is the loss the next step descends', async () => {
    const g: TrajectorySpec = {
      name: 'g',
      net: net(3),
      start: { kind: 'init', stream: ['toy', 'g-init'] },
      optimizer: { kind: 'gd', learningRate: 0.1, chunkSize: 30 },
      epochs: 4,
      bnStatistics: 'training-set',
      stream: ['toy', 'g'],
      meta: {},
    };
    const full = context('tse-full');
    await runTrajectories(full, SEED, [{ label: 'only', trajectories: [g] }]);
    const store = (ctx: StepContext) => new TrajectoryStore<EpochRecord>(ctx.scratchDir, 'g', 3);
    const records = await Promise.all([0, 1, 2, 3, 4].map((e) => store(full).record(e)));
    for (let e = 0; e < 4; e++) {
      expect(records[e + 1]!.runningLoss).toBe(records[e]!.trainLoss);
      expect(records[e + 1]!.runningError).toBe(records[e]!.trainError);
    }
    // stopped after epoch 2 and resumed, it takes the gradient again from the saved weights: the same run
    const resumed = context('tse-resume');
    await runTrajectories(resumed, SEED, [{ label: 'only', trajectories: [{ ...g, epochs: 2 }] }]);
    const outcomes = await runTrajectories(resumed, SEED, [{ label: 'only', trajectories: [g] }]);
    expect(outcomes.get('g')!.resumedAfter).toBe(2);
    for (let e = 0; e <= 4; e++) {
      expect(await store(resumed).record(e)).toEqual(records[e]);
      const [x, y] = await Promise.all([store(resumed).weights(e), store(full).weights(e)]);
      x.forEach((layer, l) => expect(Array.from(layer)).toEqual(Array.from(y[l]!)));
    }
    // a saved model evaluated as a derived one, under the same statistics, gives its record; the calibration images give another loss
    const mix = [{ coefficient: 1, source: { kind: 'checkpoint' as const, scratchDir: full.scratchDir, trajectory: 'g', width: 3, epoch: 3 } }];
    const same = await runEvaluations(full, net(3), [{ name: 'g3', mix }], 'g', { trainingSet: { chunkSize: 30 } });
    expect(same.get('g3')).toMatchObject({ trainLoss: records[3]!.trainLoss, trainError: records[3]!.trainError, testLoss: records[3]!.testLoss, testError: records[3]!.testError });
    const calibrated = await runEvaluations(full, net(3), [{ name: 'g3', mix }], 'g');
    expect(calibrated.get('g3')!.trainLoss).not.toBe(records[3]!.trainLoss);
  });

  it('stops at the first epoch that reaches its training error, keeps the last weights only when asked, and resumes as complete', async () => {
    // where the plain trajectory's training error falls: stop at the first epoch at or below that of epoch 2
    const full = context('until-full');
    await runTrajectories(full, SEED, [{ label: 'only', trajectories: [{ ...a, epochs: 3 }] }]);
    const plain = await Promise.all([0, 1, 2, 3].map((e) => new TrajectoryStore<EpochRecord>(full.scratchDir, 'a', 3).record(e)));
    const target = plain[2]!.trainError;
    const expected = plain.findIndex((r) => r!.trainError <= target);

    const stopping: TrajectorySpec = { ...a, name: 'stopping', epochs: 3, until: { trainError: target } };
    const ctx = context('until');
    const outcomes = await runTrajectories(ctx, SEED, [{ label: 'only', trajectories: [stopping] }]);
    expect(outcomes.get('stopping')!.stoppedAt).toBe(expected);
    await mkdir(ctx.outDir, { recursive: true });
    const writer = new SnapshotWriter(ctx.outDir);
    await addTrajectories(writer, ctx.scratchDir, [stopping], outcomes, { weights: 'last' });
    const index = await writer.close(null);
    const t = index.trajectories[0]!;
    expect(t.stoppedAt).toBe(expected);
    expect(recordsOf(t).map((r) => r.trainLoss)).toEqual(plain.slice(0, expected + 1).map((r) => r!.trainLoss));
    expect(t.epochs.map((e) => [e.epoch, e.row])).toEqual([[expected, 0]]);
    // the confusion matrices of 'last' belong to the epoch it stopped at
    expect(t.epochs[0]!.confusion).toBeDefined();
    const weights = await readRow(ctx.outDir, index, 0);
    const saved = await new TrajectoryStore<EpochRecord>(ctx.scratchDir, 'stopping', 3).weights(expected);
    weights.forEach((layer, l) => expect(Array.from(layer)).toEqual(Array.from(saved[l]!)));

    const logs: string[] = [];
    const again = await runTrajectories(context('until', logs), SEED, [{ label: 'only', trajectories: [stopping] }]);
    expect(again.get('stopping')).toMatchObject({ resumedAfter: expected, stoppedAt: expected });
    expect(logs).toEqual(['only: from checkpoints, 1 trajectories already complete']);
  });
});
