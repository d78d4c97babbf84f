// The SIMD kernels keep tensors in their own memory: an input already there is not copied in
// again, and an output is copied into the wasm backend's memory only when something else
// reads it (another kernel, dataSync, a buffer about to be overwritten, or the least recently
// used entry leaving). These check that every such reader sees the right values, and that the
// copies are really skipped where they can be.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../pipeline/engine/backend.ts';
import { simdCounters } from '../../pipeline/engine/simd-kernels.ts';
import { relErr } from '../helpers/numbers.ts';
import { requireSimdKernels } from './helpers.ts';

requireSimdKernels();

beforeAll(async () => {
  const info = await initEngine();
  expect(info.kernels).toBe('wasm-simd');
});

/** Deterministic values without any of the kernels under test. */
function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.731 + seed) * 0.5);
}

function x4(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tensor4d(values(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** The same convolution on the 'cpu' backend, for reference values. */
async function onCpu<T>(fn: () => T): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return fn();
  } finally {
    await tf.setBackend('wasm');
  }
}

const X: [number, number, number, number] = [20, 16, 16, 8];
const F: [number, number, number, number] = [3, 3, 8, 16];

describe('results kept in the kernels\' memory', () => {
  it('are not copied out until read, and read right through dataSync', async () => {
    const x = x4(X, 1), f = x4(F, 2);
    const before = simdCounters();
    const y = tf.conv2d(x, f, 2, 'same');
    const after = simdCounters();
    expect(after.copiedOutBytes - before.copiedOutBytes).toBe(0);
    const got = y.dataSync();
    expect(simdCounters().copiedOutBytes - after.copiedOutBytes).toBe(y.size * 4);
    const want = await onCpu(() => tf.conv2d(tf.tensor4d(x.dataSync(), X), tf.tensor4d(f.dataSync(), F), 2, 'same').dataSync());
    expect(relErr(got, want)).toBeLessThan(1e-5);
    tf.dispose([x, f, y]);
  });

  it('are read right by the wasm backend\'s own kernels', async () => {
    const x = x4(X, 3), f = x4(F, 4);
    const y = tf.conv2d(x, f, 2, 'same');
    // Square is not one of ours: its input has to reach the backend's memory first
    const got = tf.square(y).dataSync();
    const want = await onCpu(() => tf.square(tf.conv2d(tf.tensor4d(x.dataSync(), X), tf.tensor4d(f.dataSync(), F), 2, 'same')).dataSync());
    expect(relErr(got, want)).toBeLessThan(1e-5);
    tf.dispose([x, f, y]);
  });

  it('pass through Reshape and Identity without a copy, and stay right', async () => {
    const x = x4(X, 5), f = x4(F, 6);
    const before = simdCounters();
    const y = tf.conv2d(x, f, 2, 'same');
    const flat = tf.reshape(y, [-1, 16]);
    const same = tf.clone(flat);
    expect(simdCounters().copiedOutBytes - before.copiedOutBytes).toBe(0);
    const want = await onCpu(() => tf.conv2d(tf.tensor4d(x.dataSync(), X), tf.tensor4d(f.dataSync(), F), 2, 'same').dataSync());
    expect(relErr(same.dataSync(), want)).toBeLessThan(1e-5);
    tf.dispose([x, f, y, flat, same]);
  });

  it('feed the next kernel in place: a second use of an input copies nothing in', () => {
    const x = x4(X, 7), f = x4(F, 8);
    const y1 = tf.conv2d(x, f, 2, 'same');
    const before = simdCounters();
    const y2 = tf.conv2d(x, f, 2, 'same');
    const after = simdCounters();
    expect(after.copiedInBytes - before.copiedInBytes).toBe(0);
    expect(relErr(y2.dataSync(), y1.dataSync())).toBe(0);
    tf.dispose([x, f, y1, y2]);
  });

  it('survive being pushed out by many later results (copied out as they leave)', async () => {
    const f = x4(F, 9);
    const inputs = Array.from({ length: 200 }, (_, i) => x4([2, 8, 8, 8], 100 + i));
    // 200 results kept alive: more than the kernels keep, so the oldest leave their memory
    const outputs = inputs.map((x) => tf.conv2d(x, f, 1, 'same'));
    const first = outputs[0]!.dataSync();
    const last = outputs[199]!.dataSync();
    const [want0, want199] = await onCpu(() => {
      const g = tf.tensor4d(f.dataSync(), F);
      return [0, 199].map((i) => tf.conv2d(tf.tensor4d(inputs[i]!.dataSync(), [2, 8, 8, 8]), g, 1, 'same').dataSync());
    });
    expect(relErr(first, want0!)).toBeLessThan(1e-5);
    expect(relErr(last, want199!)).toBeLessThan(1e-5);
    tf.dispose([f, ...inputs, ...outputs]);
  });

  it('that were disposed unread are never written anywhere', async () => {
    const f = x4(F, 10);
    const keep = x4([2, 8, 8, 8], 11);
    const kept = tf.conv2d(keep, f, 1, 'same');
    const before = simdCounters();
    for (let i = 0; i < 150; i++) {
      // nothing returned from the scope: the input and the result are both disposed
      tf.tidy(() => {
        tf.conv2d(x4([2, 8, 8, 8], 200 + i), f, 1, 'same');
      });
    }
    // only the one still alive may be written out when it leaves; the 150 disposed ones never are
    expect(simdCounters().copiedOutBytes - before.copiedOutBytes).toBeLessThanOrEqual(kept.size * 4);
    const want = await onCpu(() => tf.conv2d(tf.tensor4d(keep.dataSync(), [2, 8, 8, 8]), tf.tensor4d(f.dataSync(), F), 1, 'same').dataSync());
    expect(relErr(kept.dataSync(), want)).toBeLessThan(1e-5);
    tf.dispose([f, keep, kept]);
  });
});
