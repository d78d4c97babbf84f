// The experiment kit on a toy experiment: trajectories of both optimizers in two waves (the second
// starting from a kicked checkpoint of the first), resumed from their checkpoints, written to the
// snapshot artifact and read back through its one reader, derived models (averages, lines)
// evaluated in workers; a diverging trajectory stops and says so.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runData } from '../../pipeline/data/step.ts';
import { predictFingerprint } from '../../pipeline/engine/fingerprint.ts';
import { layerShapes, layerSize, weightIndex } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { perturb } from '../../pipeline/engine/weights.ts';
import { runEvaluations } from '../../pipeline/experiments/kit/evaluations.ts';
import { averageOf, lineBetween } from '../../pipeline/experiments/kit/models.ts';
import { addTrajectories, findTrajectory, readLayer, readRow, readSnapshotIndex, snapshotRows, SnapshotWriter } from '../../pipeline/experiments/kit/snapshots.ts';
import type { EpochRecord, TrajectorySpec } from '../../pipeline/experiments/kit/trajectory.ts';
import { runTrajectories, type Wave } from '../../pipeline/experiments/kit/trajectories.ts';
import { TrajectoryStore } from '../../pipeline/experiments/kit/trajectory-store.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import type { StepContext } from '../../pipeline/step.ts';
import { InlineRunner } from '../../pipeline/workers/pool.ts';

const SEED = 11;
const net = (width: number) => ({ width, bnEpsilon: 1e-5, bnCalibration: 40, evalBatch: 40 });
let root: string;
let dataDir: string;

function context(name: string, logs: string[] = [], progress: number[] = []): StepContext {
  return {
    profile: getProfile('smoke'),
    params: null,
    inputs: { data: { step: 'data', key: 'toy', dir: dataDir } },
    outDir: join(root, name, 'out'),
    scratchDir: join(root, name, 'scratch'),
    jobs: new InlineRunner(),
    engine: predictFingerprint(),
    progress: (done) => progress.push(done),
    log: (m) => logs.push(m),
  };
}

const a: TrajectorySpec = {
  name: 'a',
  net: net(3),
  start: { kind: 'init', stream: ['toy', 'init'] },
  optimizer: { kind: 'sgd', learningRate: 0.05, batchSize: 20 },
  epochs: 2,
  stream: ['toy', 'a'],
  confusion: 'last',
  meta: { role: 'main' },
};
const wide: TrajectorySpec = { ...a, name: 'wide', net: net(5), stream: ['toy', 'wide'], confusion: 'none', meta: { role: 'wide' } };
const b: TrajectorySpec = {
  name: 'b',
  net: net(3),
  start: { kind: 'trajectory', name: 'a', epoch: 1 },
  perturb: { scale: 0.1, stream: ['toy', 'b', 'kick'] },
  optimizer: { kind: 'gd', learningRate: 0.1, chunkSize: 30 },
  epochs: 2,
  stream: ['toy', 'b'],
  meta: { role: 'branch', k: 0.1 },
};
const waves: Wave[] = [
  { label: 'first', trajectories: [a, wide] },
  { label: 'second', trajectories: [b] },
];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lf-kit-'));
  dataDir = join(root, 'data');
  await mkdir(dataDir);
  await runData({ ...context('data'), outDir: dataDir, params: { kind: 'synthetic', seed: 5, train: 60, test: 30 } } as never);
});
afterAll(async () => rm(root, { recursive: true, force: true }));

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
