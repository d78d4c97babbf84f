// E5 and E6 on a toy configuration, through the same code as the pipeline: the minima and the
// kicked copies trained by the kit and written as one snapshot artifact, the degeneracy analysis
// read from it, the lines and directions of E6 evaluated from its rows, and both claim groups.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDegeneracy } from '../../pipeline/analysis/degeneracy/artifact.ts';
import { run as runDegeneracy } from '../../pipeline/analysis/degeneracy/step.ts';
import { evaluateClaims } from '../../pipeline/claims/evaluate.ts';
import { loadClaimModule } from '../../pipeline/claims/step.ts';
import { run as runData } from '../../pipeline/data/step.ts';
import { predictFingerprint } from '../../pipeline/engine/fingerprint.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { perturb } from '../../pipeline/engine/weights.ts';
import { copyName, minimumName, readFlatMinima, type FlatMinimaParams } from '../../pipeline/experiments/flat-minima/artifact.ts';
import { run as runFlatMinima } from '../../pipeline/experiments/flat-minima/step.ts';
import { barrier, readInterpolation, type InterpolationParams } from '../../pipeline/experiments/interpolation/artifact.ts';
import { run as runInterpolation } from '../../pipeline/experiments/interpolation/step.ts';
import { lastEpoch, readRow } from '../../pipeline/experiments/kit/snapshots.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import type { ArtifactRef, StepContext } from '../../pipeline/step.ts';
import { InlineRunner } from '../../pipeline/workers/pool.ts';

const SEED = 5;
const net = { width: 3, bnEpsilon: 1e-5, bnCalibration: 40, evalBatch: 40 };
const flat: FlatMinimaParams['flat'] = {
  minimum: { sgd: { epochs: 3, learningRate: 0.05, batchSize: 20 }, gd: { epochs: 2, learningRate: 0.1, chunkSize: 30 } },
  otherMinima: 1,
  earlyEpoch: 2,
  ks: [0.1, 1],
  copies: 2,
  retrain: { epochs: 1, learningRate: 0.1, chunkSize: 30 },
  corollary: { seedOffset: 1, samples: 4, inputDim: 2, hidden: 4, outputs: 2, maxIterations: 100, targetLoss: 1e-24 },
};
const lines: InterpolationParams['interpolation'] = { line: { points: 5, from: -0.5, to: 1.5 }, directions: { count: 2, points: 3, span: 0.1 } };

let root: string;
const refs: Record<string, ArtifactRef> = {};

function context<P>(name: string, params: P): StepContext<P> {
  return {
    profile: getProfile('smoke'),
    params,
    inputs: { ...refs },
    outDir: join(root, name, 'out'),
    scratchDir: join(root, name, 'scratch'),
    jobs: new InlineRunner(),
    engine: predictFingerprint(),
    progress: () => {},
    log: () => {},
  };
}

async function step<P>(name: string, params: P, run: (ctx: StepContext<P>) => Promise<void>): Promise<void> {
  const ctx = context(name, params);
  await mkdir(ctx.outDir, { recursive: true });
  await run(ctx);
  refs[name] = { step: name, key: name, dir: ctx.outDir };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lf-flat-'));
  await step('data', { kind: 'synthetic', seed: 5, train: 60, test: 30 }, runData as never);
  await step('experiment:flat-minima', { seed: SEED, net, flat }, runFlatMinima);
  await step('analysis:degeneracy', { seed: SEED, corollary: flat.corollary }, runDegeneracy);
  await step('experiment:interpolation', { seed: SEED, net, interpolation: lines }, runInterpolation);
}, 300_000);
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('E5 on a toy configuration', () => {
  it('trains the minima, then kicks M_final and retrains each copy', async () => {
    const e5 = await readFlatMinima(refs['experiment:flat-minima']!);
    expect(e5.index.trajectories.map((t) => t.name)).toEqual([
      minimumName(1, 'sgd'),
      minimumName(2, 'sgd'),
      minimumName(1, 'gd'),
      minimumName(2, 'gd'),
      copyName(0.1, 1),
      copyName(0.1, 2),
      copyName(1, 1),
      copyName(1, 2),
    ]);
    expect(e5.early().epoch.epoch).toBe(2);
    // the minima's runs keep their start, the early model and their end; the copies every epoch
    expect(e5.index.trajectories.map((t) => t.epochs.map((e) => e.epoch))).toEqual([[0, 2, 3], [0, 2, 3], [0, 2], [0, 2], [0, 1], [0, 1], [0, 1], [0, 1]]);
    // a copy starts from M_final plus k x S noise from its own stream
    const ref = refs['experiment:flat-minima']!;
    const mFinal = await readRow(ref, e5.index, e5.minimum(1).epoch.row);
    const start = await readRow(ref, e5.index, e5.copies(1)[1]!.epochs[0]!.row);
    const kicked = perturb(mFinal, 1, new Rng(SEED, 'flat-minima', 'copy', 1, 2, 'kick'));
    start.forEach((layer, l) => expect(Array.from(layer)).toEqual(Array.from(kicked[l]!)));
    // the converged copies keep their confusion matrices and predictions, the minima their predictions
    for (const t of e5.copies(0.1)) {
      const end = lastEpoch(t);
      expect(end.confusion!.test.reduce((a, b) => a + b, 0)).toBe(30);
      expect(end.predictions!.test).toMatch(/^[0-9]{30}$/);
    }
    expect(e5.minimum(2).epoch.predictions!.train).toHaveLength(60);
  });

  it('measures the spread of the copies and checks Corollary 1', async () => {
    const d = await readDegeneracy(refs['analysis:degeneracy']!);
    expect(d.copies.map((s) => [s.k, s.copies, s.eigenvalues.length])).toEqual([[0.1, 2, 2], [1, 2, 2], ['all', 4, 4]]);
    // a larger kick ends farther from M_final
    expect(Math.min(...d.copies[1]!.relativeDistance)).toBeGreaterThan(Math.max(...d.copies[0]!.relativeDistance));
    expect(d.corollary.rank.hessian).toBeLessThanOrEqual(d.corollary.equations);
  });
});

describe('E6 on a toy configuration', () => {
  it('evaluates lines between and around E5 models exactly as the saved models at their ends', async () => {
    const e5 = await readFlatMinima(refs['experiment:flat-minima']!);
    const e6 = await readInterpolation(refs['experiment:interpolation']!);
    expect(e6.lines.map((l) => l.id)).toEqual(['within-0.1-1-2', 'between-1-2', 'from-final-0.1-1', 'from-final-0.1-2', 'from-final-1-1', 'from-final-1-2']);
    const line = e6.lines.find((l) => l.id === 'from-final-1-2')!;
    expect(line.a).toEqual([-0.5, 0, 0.5, 1, 1.5]);
    expect(line.trainLoss[1]).toBe(e5.minimum(1).epoch.trainLoss);
    expect(line.testError[3]).toBe(lastEpoch(e5.copies(1)[1]!).testError);
    expect(barrier(line).ends).toEqual([e5.minimum(1).epoch.trainError, lastEpoch(e5.copies(1)[1]!).trainError]);
    expect(e6.directions.map((d) => `${d.centre}-${d.direction}`)).toEqual(['final-1', 'final-2', 'early-1', 'early-2']);
    for (const d of e6.directions) {
      expect(d.t).toEqual([-0.1, 0, 0.1]);
      expect(d.trainLoss[1]).toBe(d.centre === 'final' ? e5.minimum(1).epoch.trainLoss : e5.early().epoch.trainLoss);
      expect(Number.isFinite(d.curvature)).toBe(true);
    }
  });

  it('gives every claim of E5 and E6 a verdict with its numbers', async () => {
    for (const module of ['pipeline/experiments/flat-minima/claims.ts', 'pipeline/experiments/interpolation/claims.ts']) {
      const results = await evaluateClaims(await loadClaimModule(module), { inputs: refs });
      for (const r of results) {
        expect(['pass', 'fail', 'not-applicable']).toContain(r.status);
        expect(Object.keys(r.numbers).length, r.id).toBeGreaterThan(0);
      }
    }
  });
});
