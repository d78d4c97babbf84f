// Training with the SIMD kernels and with the wasm backend's own (XNNPACK, as with LANDSCAPE_SIMD=0)
// gives the same losses and weights, to float32 rounding: same data, same initial weights, same
// visiting order. The paper net's width (80), and a width whose channels fill no whole SIMD lane
// group (5). The SIMD pool's jobs are counted, so that the two runs are known to differ in path.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initEngine } from '../../pipeline/engine/backend.ts';
import { evaluateModel } from '../../pipeline/engine/evaluate.ts';
import { Net } from '../../pipeline/engine/model.ts';
import { initWeights } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { activateSimdKernels, deactivateSimdKernels, simdStatus } from '../../pipeline/engine/simd-kernels.ts';
import { SimdPool } from '../../pipeline/engine/simd-pool.ts';
import { bgdEpoch, sgdEpoch } from '../../pipeline/engine/train.ts';
import { randomSplit, relErr } from '../helpers/numbers.ts';
import { requireSimdKernels } from './helpers.ts';

const IMAGES = 200;

interface Run {
  losses: number[];
  errors: number[];
  weights: Float32Array;
  testLoss: number;
  poolRuns: number;
}

async function train(width: number): Promise<Run> {
  const split = randomSplit(IMAGES, 'simd-same-losses');
  const test = randomSplit(100, 'simd-same-losses-test');
  const net = new Net(width, initWeights(width, new Rng('simd-same-losses-weights', width)));
  const rng = new Rng('simd-same-losses-order');
  const losses: number[] = [];
  const errors: number[] = [];
  const before = tf.memory().numTensors;
  const run = vi.spyOn(SimdPool.prototype, 'run');
  let poolRuns: number;
  try {
    // two SGD epochs of two steps each, then one BGD step over two chunks
    for (let epoch = 0; epoch < 2; epoch++) {
      const stats = await sgdEpoch(net, split, 0.05, 100, rng.permutation(split.count));
      losses.push(stats.loss);
      errors.push(stats.error);
    }
    const bgd = await bgdEpoch(net, split, 0.05, 100);
    losses.push(bgd.loss);
    errors.push(bgd.error);
    const testLoss = (await evaluateModel(net, split, { test }, { bnCalibration: 200, evalBatch: 100 })).test!.loss;
    poolRuns = run.mock.calls.length;
    expect(tf.memory().numTensors).toBe(before);
    const weights = Float32Array.from((await net.getWeights()).flatMap((w) => Array.from(w)));
    return { losses, errors, weights, testLoss, poolRuns };
  } finally {
    run.mockRestore();
    net.dispose();
  }
}

beforeAll(async () => {
  requireSimdKernels();
  await initEngine();
});

describe('training with the SIMD kernels and with XNNPACK', () => {
  for (const width of [80, 5]) {
    it(`gives the same losses and weights (width ${width})`, async () => {
      expect(simdStatus().kernels).toBe('wasm-simd');
      const simd = await train(width);
      deactivateSimdKernels();
      let xnnpack: Run;
      try {
        xnnpack = await train(width);
      } finally {
        activateSimdKernels();
      }
      expect(simd.poolRuns, 'SIMD jobs with the SIMD kernels').toBeGreaterThan(0);
      expect(xnnpack.poolRuns, 'SIMD jobs with XNNPACK').toBe(0);
      simd.losses.forEach((loss, i) => expect(Math.abs(loss - xnnpack.losses[i]!), `loss ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(xnnpack.losses[i]!))));
      // a prediction may flip on a near tie: at most one image in an epoch
      simd.errors.forEach((e, i) => expect(Math.abs(e - xnnpack.errors[i]!), `error ${i}`).toBeLessThanOrEqual(1 / IMAGES + 1e-9));
      console.log(`width ${width}: losses ${simd.losses.map((l) => l.toFixed(6)).join(' ')} (simd) vs ${xnnpack.losses.map((l) => l.toFixed(6)).join(' ')}; ` +
        `max loss difference ${Math.max(...simd.losses.map((l, i) => Math.abs(l - xnnpack.losses[i]!))).toExponential(2)}, ` +
        `weights relative difference ${relErr(simd.weights, xnnpack.weights).toExponential(2)}`);
      expect(Math.abs(simd.testLoss - xnnpack.testLoss)).toBeLessThanOrEqual(1e-4 * Math.max(1, xnnpack.testLoss));
      expect(relErr(simd.weights, xnnpack.weights)).toBeLessThanOrEqual(1e-4);
      // the steps moved the weights: equal weights would also be equal if training did nothing
      const initial = Float32Array.from(initWeights(width, new Rng('simd-same-losses-weights', width)).flatMap((w) => Array.from(w)));
      expect(relErr(simd.weights, initial)).toBeGreaterThan(1e-3);
    });
  }
});
