// The SIMD wasm kernels (wasm/assembly, on the worker-thread pool) against tfjs's 'cpu' backend,
// the reference: the convolution and both its gradients, and the fused batch norm + ReLU.
// This file always runs them, whatever the environment: it turns the native addon off and
// requires the SIMD module (requireSimdKernels), so a missing module fails here. Each check
// also counts the pool's jobs, so a kernel that quietly hands a call back to the one it
// replaced (XNNPACK) fails even though its numbers would match.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initEngine } from '../../pipeline/engine/backend.ts';
import { BN_RELU, BN_RELU_GRAD, batchNormRelu, NORMALIZE_RELU, normalizeRelu } from '../../pipeline/engine/batch-norm-relu.ts';
import { simdKernelsFile, type EngineInfo } from '../../pipeline/engine/fingerprint.ts';
import { SIMD_KERNEL_NAMES, simdStatus, simdThreads } from '../../pipeline/engine/simd-kernels.ts';
import { SimdPool } from '../../pipeline/engine/simd-pool.ts';
import { on, relErr, tensor, values } from '../native/helpers.ts';
import { requireSimdKernels, simdVsCpu } from './helpers.ts';
import { convName, convShapes, type ConvCase, type Pad } from '../helpers/conv-cases.ts';

const TOL = 1e-5;

let info: EngineInfo;
beforeAll(async () => {
  requireSimdKernels();
  info = await initEngine();
});

/** Fails unless the pool computed it and it matches the reference. */
async function expectMatch(fn: () => tf.Tensor | tf.Tensor[], tol = TOL): Promise<void> {
  const { err, poolRuns } = await simdVsCpu(fn);
  expect(poolRuns, 'jobs run on the SIMD pool').toBeGreaterThan(0);
  expect(err).toBeLessThanOrEqual(tol);
}

describe('the kernel provider', () => {
  it('is the SIMD one, with the module it was told to use', () => {
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.kernels).toBe('wasm-simd');
    const status = simdStatus();
    expect(status.kernels).toBe('wasm-simd');
    expect(status.active).toBe(true);
    expect(status.notice).toBeNull();
    expect(status.threads).toBe(simdThreads());
    expect(status.replaced).toEqual(expect.arrayContaining(['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', BN_RELU, BN_RELU_GRAD, NORMALIZE_RELU]));
    expect([...status.replaced].sort()).toEqual([...SIMD_KERNEL_NAMES].sort());
    // the fingerprint names the module by its content: computed here independently
    const hash = createHash('sha256').update(readFileSync(simdKernelsFile())).digest('hex').slice(0, 16);
    expect(info.addon).toBe(hash);
    console.log(`kernels under test: ${info.kernels}, ${status.threads} threads; notes: ${info.notes.join(' | ')}`);
  });
});


const convCases: ConvCase[] = [];
// odd sizes; input channels 3 and 5 (not a multiple of the 4 lanes) and 80; output channels 5
// and 10 (not a multiple of the 8 columns of the sgemm tile)
for (const n of [1, 100]) {
  for (const strides of [[1, 1], [2, 2]] as [number, number][]) {
    for (const pad of ['same', 'valid'] as Pad[]) {
      convCases.push({ n, h: 7, w: 9, ci: 3, co: 5, k: [3, 3], strides, pad });
      convCases.push({ n, h: 9, w: 6, ci: 5, co: 10, k: [5, 3], strides, pad });
      convCases.push({ n, h: 5, w: 7, ci: 80, co: 10, k: [2, 2], strides, pad });
    }
  }
}
convCases.push(
  { n: 3, h: 8, w: 8, ci: 5, co: 10, k: [1, 1], strides: [1, 1], pad: 'valid', note: 'a plain matrix product' },
  { n: 4, h: 9, w: 9, ci: 80, co: 8, k: [1, 1], strides: [2, 2], pad: 'valid' },
  { n: 2, h: 11, w: 10, ci: 5, co: 3, k: [2, 2], strides: [2, 1], pad: 'same' },
  { n: 2, h: 9, w: 9, ci: 3, co: 5, k: [3, 3], strides: [2, 2], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { n: 3, h: 8, w: 7, ci: 4, co: 8, k: [5, 3], strides: [1, 1], pad: [[0, 0], [1, 3], [2, 0], [0, 0]] },
  { n: 3, h: 6, w: 7, ci: 5, co: 10, k: [3, 3], strides: [2, 2], pad: 1, note: 'numeric padding' },
  { n: 1, h: 3, w: 3, ci: 2, co: 2, k: [3, 3], strides: [3, 3], pad: 'valid', note: 'one output pixel' },
  { n: 5, h: 8, w: 8, ci: 3, co: 1, k: [3, 3], strides: [1, 1], pad: 'same', note: 'one output channel' },
  { n: 6, h: 6, w: 6, ci: 4, co: 8, k: [3, 3], strides: [1, 1], pad: 'same', note: 'whole tiles only' },
  { n: 2, h: 7, w: 5, ci: 80, co: 80, k: [3, 3], strides: [1, 1], pad: 'same' },
  { n: 100, h: 15, w: 13, ci: 3, co: 5, k: [3, 3], strides: [1, 1], pad: 'same', note: 'many pixel chunks' },
  { n: 10, h: 9, w: 7, ci: 80, co: 10, k: [5, 3], strides: [1, 1], pad: 'same', note: 'long rows: small chunks' },
);
// the paper net at width 80, batch 100: 3x3 convolutions with stride 2, 'same'
for (const [size, ci, co] of [[32, 3, 80], [16, 80, 80], [8, 80, 80], [4, 80, 80], [2, 80, 10]] as const) {
  convCases.push({ n: 100, h: size, w: size, ci, co, k: [3, 3], strides: [2, 2], pad: 'same', note: 'paper net' });
}



/** dW = im2col(x)^T dy with composed ops: the filter gradient without the Conv2DBackpropFilter kernel. */
function filterGradientByMatMul(x: tf.Tensor4D, dy: tf.Tensor4D, c: ConvCase): tf.Tensor {
  const info = tf.backend_util.computeConv2DInfo(x.shape, [c.k[0], c.k[1], c.ci, c.co], c.strides, 1, c.pad, undefined, false, 'channelsLast');
  const { top, bottom, left, right } = info.padInfo;
  const padded = tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
  const taps: tf.Tensor4D[] = [];
  for (let kh = 0; kh < c.k[0]; kh++) {
    for (let kw = 0; kw < c.k[1]; kw++) {
      const end = [c.n, kh + (info.outHeight - 1) * info.strideHeight + 1, kw + (info.outWidth - 1) * info.strideWidth + 1, c.ci];
      taps.push(tf.stridedSlice(padded, [0, kh, kw, 0], end, [1, info.strideHeight, info.strideWidth, 1]) as tf.Tensor4D);
    }
  }
  const pixels = c.n * info.outHeight * info.outWidth;
  // columns in (kh, kw, ci) order: the rows of the HWIO filter
  const columns = tf.reshape(tf.concat(taps, 3), [pixels, c.k[0] * c.k[1] * c.ci]);
  return tf.reshape(tf.matMul(columns, tf.reshape(dy, [pixels, c.co]), true, false), [c.k[0], c.k[1], c.ci, c.co]);
}

describe('the im2col reference of the filter gradient', () => {
  it('matches the cpu backend\'s kernel (so it can stand in for it)', async () => {
    for (const c of [
      { n: 3, h: 9, w: 8, ci: 5, co: 10, k: [3, 3], strides: [2, 2], pad: 'same' },
      { n: 2, h: 9, w: 9, ci: 3, co: 5, k: [5, 3], strides: [1, 2], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
    ] as ConvCase[]) {
      const { xShape, fShape, yShape } = convShapes(c);
      const [byMatMul, byKernel] = await on('cpu', () => {
        const x = tensor(xShape, 11) as tf.Tensor4D;
        const dy = tensor(yShape, 37) as tf.Tensor4D;
        return [filterGradientByMatMul(x, dy, c), tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
          { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: fShape } as unknown as tf.NamedAttrMap) as tf.Tensor];
      });
      await tf.setBackend('wasm');
      expect(byMatMul!.shape).toEqual(byKernel!.shape);
      expect(relErr(byMatMul!.data, byKernel!.data)).toBeLessThanOrEqual(1e-6);
    }
  });
});

describe('conv2d and its gradients match the cpu backend', () => {
  for (const c of convCases) {
    const { xShape, fShape, yShape } = convShapes(c);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    it(`forward, ${convName(c)}`, async () => {
      await expectMatch(() => tf.conv2d(tensor(xShape, 11) as tf.Tensor4D, tensor(fShape, 23) as tf.Tensor4D, c.strides, c.pad as 'same'));
    });
    it(`input gradient, ${convName(c)}`, async () => {
      await expectMatch(() => tf.engine().runKernel('Conv2DBackpropInput', { dy: tensor(yShape, 37), filter: tensor(fShape, 23) },
        { ...attrs, inputShape: xShape } as unknown as tf.NamedAttrMap) as tf.Tensor);
    });
    // the cpu backend's own filter gradient takes about a minute on the larger paper layers:
    // there the reference is the same product written as im2col and a matrix product
    const bigReference = c.n * yShape[1] * yShape[2] * c.k[0] * c.k[1] * c.ci * c.co > 2e7;
    it(`filter gradient, ${convName(c)}`, async () => {
      await expectMatch(() => {
        const x = tensor(xShape, 11) as tf.Tensor4D;
        const dy = tensor(yShape, 37) as tf.Tensor4D;
        if (bigReference && tf.getBackend() === 'cpu') return filterGradientByMatMul(x, dy, c);
        return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      });
    });
  }
  for (const pad of ['same', 'valid'] as const) {
    it(`forward with dilation 2, ${pad}`, async () => {
      await expectMatch(() => tf.conv2d(tensor([2, 9, 8, 5], 5) as tf.Tensor4D, tensor([3, 3, 5, 10], 6) as tf.Tensor4D, 1, pad, 'NHWC', 2));
    });
  }
  it('gradients through tf.grad (the way training calls them)', async () => {
    await expectMatch(() => {
      const x = tensor([4, 9, 9, 3], 1) as tf.Tensor4D;
      const f = tensor([3, 3, 3, 5], 2) as tf.Tensor4D;
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))));
      return g([x, f]);
    });
  });
});

// channels 80 (whole groups of 4), 5 (one left over) and 1 (no whole group); one row, a few
// rows, and many rows (which the statistics sum in several pieces)
const bnShapes: number[][] = [
  [1, 80], [3, 1, 1, 80], [100, 8, 8, 80],
  [1, 1, 1, 5], [7, 5], [100, 7, 5, 5],
  [1, 1], [3000, 1], [100, 16, 16, 1],
];

describe('fused batch norm + ReLU matches the composed ops on the cpu backend', () => {
  for (const shape of bnShapes) {
    it(`forward: y, mean and rstd, [${shape}]`, async () => {
      await expectMatch(() => {
        const z = tf.add(tensor(shape, 21), 0.3);
        if (tf.getBackend() === 'wasm') return tf.engine().runKernel(BN_RELU, { x: z }, { epsilon: 1e-5 } as unknown as tf.NamedAttrMap) as tf.Tensor[];
        const axes = Array.from({ length: shape.length - 1 }, (_, i) => i);
        const { mean, variance } = tf.moments(z, axes);
        const rstd = tf.rsqrt(tf.add(variance, 1e-5));
        return [tf.relu(tf.mul(tf.sub(z, mean), rstd)), mean, rstd];
      });
    });
    it(`gradient through batchNormRelu, [${shape}]`, async () => {
      await expectMatch(() => {
        const z = tf.add(tensor(shape, 21), 0.3);
        const weights = tensor(shape, 22);
        const y = batchNormRelu(z, 1e-5);
        const dz = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(batchNormRelu(a, 1e-5), weights)))(z);
        return [y, dz];
      });
    });
    it(`with given statistics (normalizeRelu), [${shape}]`, async () => {
      const channels = shape[shape.length - 1]!;
      await expectMatch(() => normalizeRelu(tensor(shape, 3), tensor([channels], 4), tensor([channels], 5, 1.5), 1e-3));
    });
  }
  // Channels whose mean is far from zero beside their spread (mean / std ~ 170): the variance is
  // then a small difference of large sums, which keeps few digits unless those sums are accurate.
  for (const shape of [[100, 8, 8, 80], [100, 8, 8, 5], [400, 1, 1, 1]]) {
    it(`forward and gradient with a large mean beside the spread, [${shape}]`, async () => {
      await expectMatch(() => {
        const z = tf.add(tf.mul(tensor(shape, 21), 0.1), 10);
        const weights = tensor(shape, 22);
        const stats = tf.getBackend() === 'wasm'
          ? (tf.engine().runKernel(BN_RELU, { x: z }, { epsilon: 1e-5 } as unknown as tf.NamedAttrMap) as tf.Tensor[]).slice(1)
          : (({ mean, variance }) => [mean, tf.rsqrt(tf.add(variance, 1e-5))])(tf.moments(z, Array.from({ length: shape.length - 1 }, (_, i) => i)));
        const dz = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(batchNormRelu(a, 1e-5), weights)))(z);
        return [batchNormRelu(z, 1e-5), ...stats, dz];
      });
    });
  }

  // With two rows xhat is +-sqrt(var / (var + eps)), and the gradient rstd * (g - mean(g) -
  // xhat * mean(g * xhat)) is a difference of terms of size rstd * dy that cancel to a part in
  // var / eps: float32 rounding of the terms then leaves ~1e-4 of the result on both sides (the
  // cpu reference too, against a float64 computation). So here the error is measured against the
  // size of the terms, not of the result.
  for (const shape of [[2, 5], [2, 1, 1, 80]]) {
    it(`gradient with two rows (nearly cancelling), [${shape}]`, async () => {
      const channels = shape[shape.length - 1]!;
      const z = values(2 * channels, 21, 0.3);
      const weights = values(2 * channels, 22);
      const fn = () => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(batchNormRelu(a, 1e-5), tf.tensor(weights, shape))))(tf.tensor(z, shape));
      const run = vi.spyOn(SimdPool.prototype, 'run');
      let simd: Awaited<ReturnType<typeof on>>;
      try {
        simd = await on('wasm', fn);
        expect(run.mock.calls.length, 'jobs run on the SIMD pool').toBeGreaterThan(0);
      } finally {
        run.mockRestore();
      }
      const [cpu] = await on('cpu', fn);
      await tf.setBackend('wasm');
      let diff = 0;
      let terms = 0;
      for (let c = 0; c < channels; c++) {
        const mean = (z[c]! + z[channels + c]!) / 2;
        const rstd = 1 / Math.sqrt(((z[c]! - mean) ** 2 + (z[channels + c]! - mean) ** 2) / 2 + 1e-5);
        for (const i of [c, channels + c]) {
          diff += (simd[0]!.data[i]! - cpu!.data[i]!) ** 2;
          terms += (rstd * weights[i]!) ** 2;
        }
      }
      expect(Math.sqrt(diff / terms)).toBeLessThanOrEqual(TOL);
    });
  }
});
