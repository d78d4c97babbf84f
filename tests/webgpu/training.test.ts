// Training on webgpu and on the wasm path gives the same losses, errors and weights within
// float32 tolerance: same data, same initial weights, same visiting order, in one process
// (the two backends side by side).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWasm } from '../../pipeline/engine/backend.ts';
import { evaluateModel } from '../../pipeline/engine/evaluate.ts';
import { Net } from '../../pipeline/engine/model.ts';
import { initWeights } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { bgdEpoch, sgdEpoch } from '../../pipeline/engine/train.ts';
import { relErr, skipWebgpu } from './helpers.ts';
import { randomSplit } from '../helpers/numbers.ts';

interface Run {
  losses: number[];
  errors: number[];
  testLoss: number;
  testError: number;
  weights: Float32Array;
  seconds: number;
}

async function train(backend: string, width: number): Promise<Run> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);
  const split = randomSplit(300, 'webgpu-same-losses');
  const test = randomSplit(100, 'webgpu-same-losses-test');
  const started = performance.now();
  const before = tf.memory().numTensors;
  const net = new Net(width, initWeights(width, new Rng('webgpu-same-losses-weights', width)));
  const rng = new Rng('webgpu-same-losses-order');
  const losses: number[] = [];
  const errors: number[] = [];
  for (let epoch = 0; epoch < 3; epoch++) {
    const stats = await sgdEpoch(net, split, 0.05, 50, rng.permutation(split.count));
    losses.push(stats.loss);
    errors.push(stats.error);
  }
  const bgd = await bgdEpoch(net, split, 0.05, 150);
  losses.push(bgd.loss);
  errors.push(bgd.error);
  const evaluation = (await evaluateModel(net, split, { test }, { bnCalibration: 200, evalBatch: 100 })).test!;
  const weights = Float32Array.from((await net.getWeights()).flatMap((w) => Array.from(w)));
  net.dispose();
  expect(tf.memory().numTensors, `tensors left on ${backend}`).toBe(before);
  return { losses, errors, testLoss: evaluation.loss, testError: evaluation.error, weights, seconds: (performance.now() - started) / 1000 };
}

describe.skipIf(skipWebgpu())('training on webgpu and on wasm', () => {
  // inside the describe: skipped with it where there is no adapter
  beforeAll(async () => {
    await loadWasm();
    process.env.LANDSCAPE_WEBGPU_SOFTWARE = '1';
    const { activateWebgpu } = await import('../../pipeline/engine/webgpu.ts');
    const outcome = await activateWebgpu({ forced: true });
    if (!outcome.ok) throw new Error(`no webgpu backend: ${outcome.reason}`);
  });

  for (const width of [8, 16]) {
    it(`gives the same losses, errors and weights (width ${width}, 3 SGD epochs, 1 BGD step, evaluation)`, async () => {
      const gpu = await train('webgpu', width);
      const wasm = await train('wasm', width);
      console.log(
        `width ${width}: losses ${gpu.losses.map((l) => l.toFixed(6)).join(' ')} (webgpu, ${gpu.seconds.toFixed(1)} s) vs ` +
          `${wasm.losses.map((l) => l.toFixed(6)).join(' ')} (wasm, ${wasm.seconds.toFixed(1)} s); ` +
          `max loss difference ${Math.max(...gpu.losses.map((l, i) => Math.abs(l - wasm.losses[i]!))).toExponential(2)}, ` +
          `weights relative difference ${relErr(gpu.weights, wasm.weights).toExponential(2)}`,
      );
      gpu.losses.forEach((loss, i) => expect(Math.abs(loss - wasm.losses[i]!), `loss ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(wasm.losses[i]!))));
      // a prediction may flip on a near tie: at most one image in an epoch
      gpu.errors.forEach((e, i) => expect(Math.abs(e - wasm.errors[i]!), `error ${i}`).toBeLessThanOrEqual(1 / 300 + 1e-9));
      expect(Math.abs(gpu.testLoss - wasm.testLoss)).toBeLessThanOrEqual(1e-4 * Math.max(1, wasm.testLoss));
      expect(Math.abs(gpu.testError - wasm.testError)).toBeLessThanOrEqual(1 / 100 + 1e-9);
      expect(relErr(gpu.weights, wasm.weights)).toBeLessThanOrEqual(1e-4);
    });
  }
});
