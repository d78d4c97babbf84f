import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { registerWasmConvGradients, selectWasm } from '../../pipeline/engine/wasm-kernels.ts';
import { relErr, values } from '../helpers/numbers.ts';
import type { ConvCase, Pad } from '../helpers/conv-cases.ts';

type Shape4 = [number, number, number, number];
interface Case extends ConvCase {
  name: string;
}

const TOL = 1e-5;



/** Runs fn on a backend and returns the results as plain arrays. */
async function on(backend: 'cpu' | 'wasm', fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const list = Array.isArray(outs) ? outs : [outs];
  const data = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  return data;
}

function fwdGeometry(c: Case): { outShape: Shape4; xShape: Shape4; fShape: Shape4 } {
  const xShape: Shape4 = [c.n, c.h, c.w, c.ci];
  const fShape: Shape4 = [c.k[0], c.k[1], c.ci, c.co];
  const info = tf.backend_util.computeConv2DInfo(xShape, fShape, c.strides, 1, c.pad, undefined, false, 'channelsLast');
  return { outShape: info.outShape as Shape4, xShape, fShape };
}

function inputs(c: Case): { x: Float32Array; f: Float32Array; dy: Float32Array; g: ReturnType<typeof fwdGeometry> } {
  const g = fwdGeometry(c);
  const size = (s: Shape4) => s[0] * s[1] * s[2] * s[3];
  return { x: values(size(g.xShape), 11), f: values(size(g.fShape), 23), dy: values(size(g.outShape), 37), g };
}

function backpropFilter(c: Case, x: tf.Tensor, dy: tf.Tensor, filterShape: Shape4): tf.Tensor {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function backpropInput(c: Case, dy: tf.Tensor, filter: tf.Tensor, inputShape: Shape4): tf.Tensor {
  return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
    strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

const cases: Case[] = [];
for (const strides of [[1, 1], [2, 2]] as [number, number][]) {
  for (const pad of ['same', 'valid'] as Pad[]) {
    const tag = `s${strides[0]} ${pad}`;
    cases.push(
      { name: `7x7 3x3 ${tag} b1 c3->5`, n: 1, h: 7, w: 7, ci: 3, co: 5, k: [3, 3], strides, pad },
      { name: `9x5 3x3 ${tag} b2 c4->6`, n: 2, h: 9, w: 5, ci: 4, co: 6, k: [3, 3], strides, pad },
      { name: `8x8 3x3 ${tag} b3 c1->7`, n: 3, h: 8, w: 8, ci: 1, co: 7, k: [3, 3], strides, pad },
      { name: `6x10 2x2 ${tag} b2 c5->1`, n: 2, h: 6, w: 10, ci: 5, co: 1, k: [2, 2], strides, pad },
      { name: `8x7 5x3 ${tag} b2 c6->4`, n: 2, h: 8, w: 7, ci: 6, co: 4, k: [5, 3], strides, pad },
      // batch 100 kept small: the cpu reference kernels are slow
      { name: `8x8 3x3 ${tag} b100 c4->6`, n: 100, h: 8, w: 8, ci: 4, co: 6, k: [3, 3], strides, pad },
      { name: `7x5 3x3 ${tag} b100 c3->2`, n: 100, h: 7, w: 5, ci: 3, co: 2, k: [3, 3], strides, pad },
    );
  }
}
cases.push(
  { name: '7x7 1x1 s2 same b2 c3->4 (kernel < stride)', n: 2, h: 7, w: 7, ci: 3, co: 4, k: [1, 1], strides: [2, 2], pad: 'same' },
  { name: '8x8 1x1 s2 valid b2 c3->4 (kernel < stride)', n: 2, h: 8, w: 8, ci: 3, co: 4, k: [1, 1], strides: [2, 2], pad: 'valid' },
  { name: '11x10 3x3 s3 same b2 c4->5', n: 2, h: 11, w: 10, ci: 4, co: 5, k: [3, 3], strides: [3, 3], pad: 'same' },
  { name: '9x8 3x3 s[2,1] same b2 c3->4 (unequal strides)', n: 2, h: 9, w: 8, ci: 3, co: 4, k: [3, 3], strides: [2, 1], pad: 'same' },
  { name: '9x8 3x2 s[1,2] valid b2 c3->4 (unequal strides)', n: 2, h: 9, w: 8, ci: 3, co: 4, k: [3, 2], strides: [1, 2], pad: 'valid' },
  { name: '7x9 3x3 s1 pad=1 b2 c3->4 (numeric pad)', n: 2, h: 7, w: 9, ci: 3, co: 4, k: [3, 3], strides: [1, 1], pad: 1 },
  { name: '7x9 3x3 s2 pad=2 b2 c3->4 (numeric pad)', n: 2, h: 7, w: 9, ci: 3, co: 4, k: [3, 3], strides: [2, 2], pad: 2 },
  { name: '9x8 3x3 s2 explicit pads b2 c3->4', n: 2, h: 9, w: 8, ci: 3, co: 4, k: [3, 3], strides: [2, 2], pad: [[0, 0], [2, 0], [0, 1], [0, 0]] },
  { name: '8x9 3x2 s1 explicit pads b2 c3->4', n: 2, h: 8, w: 9, ci: 3, co: 4, k: [3, 2], strides: [1, 1], pad: [[0, 0], [0, 2], [1, 1], [0, 0]] },
  { name: '6x6 1x1 s1 pad=2 b2 c3->4 (pad wider than kernel)', n: 2, h: 6, w: 6, ci: 3, co: 4, k: [1, 1], strides: [1, 1], pad: 2 },
  { name: '16x16x80 3x3 s2 same b4 c80->80 (net layer)', n: 4, h: 16, w: 16, ci: 80, co: 80, k: [3, 3], strides: [2, 2], pad: 'same' },
);

let wasm: BackendWasm;
/** Size of the wasm linear memory; it only grows, so growth flags retained allocations. */
const heapBytes = () => (wasm.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.length;

beforeAll(async () => {
  await selectWasm();
  wasm = tf.backend() as BackendWasm;
});

describe('registration', () => {
  it('registers both gradients for wasm and is idempotent', () => {
    registerWasmConvGradients();
    const filterFn = tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc;
    const inputFn = tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc;
    expect(filterFn).toBeTypeOf('function');
    expect(inputFn).toBeTypeOf('function');
    registerWasmConvGradients();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).toBe(filterFn);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).toBe(inputFn);
  });

  it('rejects NCHW rather than computing garbage', async () => {
    await tf.setBackend('wasm');
    const c: Case = { name: 'nchw', n: 1, h: 5, w: 5, ci: 2, co: 3, k: [3, 3], strides: [1, 1], pad: 'same' };
    const { x, f, dy, g } = inputs(c);
    const tensors = tf.memory().numTensors;
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW' };
    tf.tidy(() => {
      const xt = tf.tensor4d(x, g.xShape);
      const ft = tf.tensor4d(f, g.fShape);
      const dyt = tf.tensor4d(dy, g.outShape);
      expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...attrs, filterShape: g.fShape } as unknown as tf.NamedAttrMap)).toThrow(/NHWC/);
      expect(() => tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: ft }, { ...attrs, inputShape: g.xShape } as unknown as tf.NamedAttrMap)).toThrow(/NHWC/);
    });
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('selectWasm leaves wasm active', async () => {
    await selectWasm();
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe.each(cases)('$name', (c) => {
  it('Conv2DBackpropFilter matches cpu', async () => {
    const { x, dy, g } = inputs(c);
    const run = () => backpropFilter(c, tf.tensor4d(x, g.xShape), tf.tensor4d(dy, g.outShape), g.fShape);
    const [ref] = await on('cpu', run);
    const [got] = await on('wasm', run);
    expect(relErr(got!, ref!)).toBeLessThanOrEqual(TOL);
  });

  it('Conv2DBackpropInput matches cpu', async () => {
    const { f, dy, g } = inputs(c);
    const run = () => backpropInput(c, tf.tensor4d(dy, g.outShape), tf.tensor4d(f, g.fShape), g.xShape);
    const [ref] = await on('cpu', run);
    const [got] = await on('wasm', run);
    expect(relErr(got!, ref!)).toBeLessThanOrEqual(TOL);
  });

  it('tf.grad of conv2d matches cpu', async () => {
    const { x, f, dy, g } = inputs(c);
    const run = () => {
      const xt = tf.tensor4d(x, g.xShape);
      const ft = tf.tensor4d(f, g.fShape);
      const dyt = tf.tensor4d(dy, g.outShape);
      // d/dx and d/dW of sum(conv(x, W) * dy) are exactly the two backprops of dy.
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), dyt));
      return tf.grads(loss)([xt, ft]);
    };
    const [refDx, refDw] = await on('cpu', run);
    const [gotDx, gotDw] = await on('wasm', run);
    expect(relErr(gotDx!, refDx!)).toBeLessThanOrEqual(TOL);
    expect(relErr(gotDw!, refDw!)).toBeLessThanOrEqual(TOL);
  });
});

describe('memory', () => {
  const c: Case = { name: 'leak', n: 3, h: 9, w: 8, ci: 4, co: 5, k: [3, 3], strides: [2, 2], pad: 'valid' };
  const variants: Case[] = [
    c, // cropped input on the filter path, scattered phases on the input path
    { ...c, name: 'unequal strides', strides: [2, 1], pad: 'same' },
    { ...c, name: 'stride 1', strides: [1, 1], pad: 'same' }, // input path returns the conv output itself
    { ...c, name: 'kernel < stride', k: [1, 1], strides: [2, 2], pad: 'same' }, // zero-filled phases
    { ...c, name: 'pad wider than kernel', k: [1, 1], strides: [1, 1], pad: 2 },
  ];

  it.each(variants)('kernels neither leak nor free their inputs ($name)', async (cc) => {
    await tf.setBackend('wasm');
    const { x, f, dy, g } = inputs(cc);
    const xt = tf.tensor4d(x, g.xShape);
    const ft = tf.tensor4d(f, g.fShape);
    const dyt = tf.tensor4d(dy, g.outShape);
    // Warm up once: XNNPACK operators are cached per filter and freed with it.
    tf.dispose([backpropFilter(cc, xt, dyt, g.fShape), backpropInput(cc, dyt, ft, g.xShape)]);

    const tensors = tf.memory().numTensors;
    const dataIds = wasm.numDataIds();
    const heap = heapBytes();
    for (let i = 0; i < 20; i++) {
      const dw = backpropFilter(cc, xt, dyt, g.fShape);
      const dx = backpropInput(cc, dyt, ft, g.xShape);
      expect(tf.memory().numTensors).toBe(tensors + 2);
      expect(wasm.numDataIds()).toBe(dataIds + 2);
      tf.dispose([dw, dx]);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(wasm.numDataIds()).toBe(dataIds);
    expect(heapBytes()).toBe(heap);

    // Inputs are intact: still readable with their original values and refcounts.
    for (const [t, v] of [[xt, x], [ft, f], [dyt, dy]] as [tf.Tensor, Float32Array][]) {
      expect(t.isDisposed).toBe(false);
      expect(wasm.refCount(t.dataId)).toBe(1);
      expect(relErr(t.dataSync(), v)).toBe(0);
    }
    tf.dispose([xt, ft, dyt]);
  });

  it('tf.grad through conv2d does not leak', async () => {
    await tf.setBackend('wasm');
    const { x, f, g } = inputs(c);
    const xt = tf.tensor4d(x, g.xShape);
    const ft = tf.tensor4d(f, g.fShape);
    const step = () => tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad))))([xt, ft]));
    tf.dispose(step());
    const tensors = tf.memory().numTensors;
    const dataIds = wasm.numDataIds();
    for (let i = 0; i < 10; i++) tf.dispose(step());
    expect(tf.memory().numTensors).toBe(tensors);
    expect(wasm.numDataIds()).toBe(dataIds);
    tf.dispose([xt, ft]);
  });
});
