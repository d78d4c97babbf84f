// Training with the native kernels and with the npm-only wasm kernels gives the same losses and
// weights, to float32 rounding: same data, same initial weights, same visiting order. Turning the
// native kernels off here leaves XNNPACK (the SIMD kernels are only activated at initEngine() without
// the addon); tests/simd/training.test.ts compares the SIMD kernels with XNNPACK.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../pipeline/engine/backend.ts';
import { evaluateModel } from '../../pipeline/engine/evaluate.ts';
import { Net } from '../../pipeline/engine/model.ts';
import { initWeights } from '../../pipeline/engine/net.ts';
import { activateNativeKernels, deactivateNativeKernels, nativeStatus } from '../../pipeline/engine/native-kernels.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { bgdEpoch, sgdEpoch } from '../../pipeline/engine/train.ts';
import { relErr } from './helpers.ts';
import { randomSplit } from '../helpers/numbers.ts';

interface Run {
  losses: number[];
  errors: number[];
  weights: Float32Array;
  testLoss: number;
}

async function train(width: number): Promise<Run> {
  const split = randomSplit(300, 'native-same-losses');
  const test = randomSplit(100, 'native-same-losses-test');
  const net = new Net(width, initWeights(width, new Rng('native-same-losses-weights', width)));
  const rng = new Rng('native-same-losses-order');
  const losses: number[] = [];
  const errors: number[] = [];
  const before = tf.memory().numTensors;
  for (let epoch = 0; epoch < 3; epoch++) {
    const stats = await sgdEpoch(net, split, 0.05, 100, rng.permutation(split.count));
    losses.push(stats.loss);
    errors.push(stats.error);
  }
  const bgd = await bgdEpoch(net, split, 0.05, 150);
  losses.push(bgd.loss);
  errors.push(bgd.error);
  const testLoss = (await evaluateModel(net, split, { test }, { bnCalibration: 200, evalBatch: 100 })).test!.loss;
  expect(tf.memory().numTensors).toBe(before);
  const weights = Float32Array.from((await net.getWeights()).flatMap((w) => Array.from(w)));
  net.dispose();
  return { losses, errors, weights, testLoss };
}

let nativeActive = false;
beforeAll(async () => {
  await initEngine();
  nativeActive = nativeStatus().active;
});

describe('training with and without the native kernels', () => {
  for (const width of [8, 16]) {
    it(`gives the same losses and weights (width ${width})`, async (ctx) => {
      if (!nativeActive) ctx.skip();
      const native = await train(width);
      deactivateNativeKernels();
      try {
        const npmOnly = await train(width);
        native.losses.forEach((loss, i) => expect(Math.abs(loss - npmOnly.losses[i]!), `loss ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(npmOnly.losses[i]!))));
        // a prediction may flip on a near tie: at most one image in an epoch
        native.errors.forEach((e, i) => expect(Math.abs(e - npmOnly.errors[i]!), `error ${i}`).toBeLessThanOrEqual(1 / 300 + 1e-9));
        console.log(`width ${width}: losses ${native.losses.map((l) => l.toFixed(6)).join(' ')} (native) vs ${npmOnly.losses.map((l) => l.toFixed(6)).join(' ')}; ` +
          `max loss difference ${Math.max(...native.losses.map((l, i) => Math.abs(l - npmOnly.losses[i]!))).toExponential(2)}, ` +
          `weights relative difference ${relErr(native.weights, npmOnly.weights).toExponential(2)}`);
        expect(Math.abs(native.testLoss - npmOnly.testLoss)).toBeLessThanOrEqual(1e-4 * Math.max(1, npmOnly.testLoss));
        expect(relErr(native.weights, npmOnly.weights)).toBeLessThanOrEqual(1e-4);
      } finally {
        activateNativeKernels();
      }
    });
  }
});
