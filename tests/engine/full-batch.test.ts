// Exact full-batch gradient descent: the gradient computed in chunks, with batch norm over the
// whole set, equals the gradient of one pass over the whole set; per-chunk batch-norm statistics
// (the approximation it replaces) do not.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../pipeline/engine/backend.ts';
import { calibrate, disposeStats } from '../../pipeline/engine/evaluate.ts';
import { bytesPerImage, chunkedGradient, fitsOnePass, fullSetStats, ONE_PASS_BYTES, onePassGradient, type FullBatchGradient } from '../../pipeline/engine/full-batch.ts';
import { batchGradients } from '../../pipeline/engine/gradients.ts';
import { Net, range, type Split } from '../../pipeline/engine/model.ts';
import { initWeights } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { bgdEpoch } from '../../pipeline/engine/train.ts';
import { randomSplit, relErr } from '../helpers/numbers.ts';

async function read(g: FullBatchGradient): Promise<Float32Array[]> {
  const out = await Promise.all(g.grads.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(g.grads);
  return out;
}

/** The old approximation: each chunk's gradient with its own batch statistics, weighted by size. */
async function perChunkStatistics(net: Net, split: Split, chunkSize: number): Promise<Float32Array[]> {
  const sums = net.variables.map((v) => new Float64Array(v.size));
  for (let start = 0; start < split.count; start += chunkSize) {
    const indices = range(start, Math.min(start + chunkSize, split.count));
    const grads = tf.tidy(() => {
      const batch = batchGradients(net, split, indices);
      batch.wrong.dispose();
      return net.variables.map((v) => batch.grads[v.name]!);
    });
    const values = await Promise.all(grads.map((t) => t.data()));
    tf.dispose(grads);
    values.forEach((v, i) => v.forEach((x, j) => (sums[i]![j]! += (x * indices.length) / split.count)));
  }
  return sums.map((s) => Float32Array.from(s));
}

beforeAll(async () => {
  await initEngine();
});

describe('exact full-batch gradients', () => {
  for (const width of [4, 8]) {
    it(`in chunks equal one pass over the whole set, within 1e-4 relative (width ${width})`, async () => {
      const split = randomSplit(130, `full-batch-${width}`);
      const net = new Net(width, initWeights(width, new Rng('full-batch-weights', width)));
      const before = tf.memory().numTensors;
      const whole = await onePassGradient(net, split);
      const reference = await read(whole);
      for (const chunkSize of [50, 130]) {
        const chunked = await chunkedGradient(net, split, chunkSize);
        expect(Math.abs(chunked.loss - whole.loss)).toBeLessThanOrEqual(1e-5 * whole.loss);
        expect(chunked.error).toBe(whole.error);
        const grads = await read(chunked);
        grads.forEach((g, i) => expect(relErr(g, reference[i]!), `variable ${i}, chunks of ${chunkSize}`).toBeLessThanOrEqual(1e-4));
      }
      // the check can fail: batch norm over each chunk alone gives another gradient
      const approximate = await perChunkStatistics(net, split, 50);
      expect(Math.max(...approximate.map((g, i) => relErr(g, reference[i]!)))).toBeGreaterThan(1e-2);
      expect(tf.memory().numTensors).toBe(before);
      net.dispose();
    });
  }

  it('computes the whole set statistics in chunks as in one go', async () => {
    const split = randomSplit(70, 'full-batch-stats');
    const net = new Net(6, initWeights(6, new Rng('full-batch-stats-weights')));
    const chunks = [range(0, 30), range(30, 60), range(60, 70)];
    const chunked = await fullSetStats(net, split, chunks);
    const whole = calibrate(net, split, 70, 70);
    for (let l = 0; l < whole.length; l++) {
      expect(relErr(await chunked[l]!.mean.data(), await whole[l]!.mean.data())).toBeLessThan(1e-5);
      expect(relErr(await chunked[l]!.variance.data(), await whole[l]!.variance.data())).toBeLessThan(1e-5);
    }
    disposeStats(chunked);
    disposeStats(whole);
    net.dispose();
  });

  it('takes one pass when the activations fit the memory threshold, chunks otherwise', () => {
    expect(bytesPerImage(16)).toBeGreaterThan(4 * 3072);
    expect(bytesPerImage(80)).toBeGreaterThan(bytesPerImage(16));
    expect(fitsOnePass(16, 1000)).toBe(true);
    expect(fitsOnePass(80, 50000)).toBe(false);
    expect(fitsOnePass(16, Math.floor(ONE_PASS_BYTES / bytesPerImage(16)) + 1)).toBe(false);
  });

  it('steps along the exact gradient in bgdEpoch, and reports the loss before the step', async () => {
    const split = randomSplit(60, 'full-batch-step');
    const weights = initWeights(4, new Rng('full-batch-step-weights'));
    const net = new Net(4, weights);
    const whole = await onePassGradient(net, split);
    const grads = await read(whole);
    const stats = await bgdEpoch(net, split, 0.1, 25);
    expect(stats.loss).toBe(whole.loss);
    const after = await net.getWeights();
    // the last layer holds the kernel, then the bias (two variables)
    const flatGrads = [...grads.slice(0, 4), Float32Array.from([...grads[4]!, ...grads[5]!])];
    after.forEach((layer, l) => {
      const expected = weights[l]!.map((w, i) => w - 0.1 * flatGrads[l]![i]!);
      expect(relErr(layer, expected)).toBeLessThan(1e-6);
    });
    net.dispose();
  });
});
