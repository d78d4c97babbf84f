// The engine's kernels on 'wasm' against tfjs's 'cpu' backend, the reference. With the native
// addon built these are the native kernels; run with LANDSCAPE_NATIVE=0 they are the npm-only
// ones: our SIMD wasm kernels for the convolutions and the fused batch norm (with XNNPACK for
// the rest), or with LANDSCAPE_SIMD=0 too, XNNPACK and our conv gradients. So the same file
// checks every path. LANDSCAPE_NATIVE=1 (LANDSCAPE_SIMD=1) makes a missing addon (module) a
// failure instead of a fallback. tests/simd/kernels.test.ts checks the SIMD kernels in any case.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../pipeline/engine/backend.ts';
import { batchNormRelu, normalizeRelu } from '../../pipeline/engine/batch-norm-relu.ts';
import { nativeSetting, simdSetting, type EngineInfo } from '../../pipeline/engine/fingerprint.ts';
import { nativeCallCounts, nativeStatus } from '../../pipeline/engine/native-kernels.ts';
import { tensor, wasmVsCpu } from './helpers.ts';
import { convName, convShapes, type ConvCase, type Pad } from '../helpers/conv-cases.ts';

const TOL = 1e-5;

let info: EngineInfo;
beforeAll(async () => {
  info = await initEngine();
});

describe('the kernel provider', () => {
  it('is the one LANDSCAPE_NATIVE and LANDSCAPE_SIMD ask for', () => {
    const status = nativeStatus();
    const setting = nativeSetting();
    if (setting === 'off') expect(status.kernels).toBe('xnnpack');
    if (setting === 'required') expect(info.kernels).toBe('native-openblas');
    // without the addon, the SIMD kernels come next, unless turned off
    if (setting === 'off' && simdSetting() === 'off') expect(info.kernels).toBe('xnnpack');
    if (setting === 'off' && simdSetting() === 'required') expect(info.kernels).toBe('wasm-simd');
    expect(tf.getBackend()).toBe('wasm');
    console.log(`kernels under test: ${info.kernels}; notes: ${info.notes.join(' | ')}`);
  });
});


const convCases: ConvCase[] = [];
for (const n of [1, 100]) {
  for (const strides of [[1, 1], [2, 2]] as [number, number][]) {
    for (const pad of ['same', 'valid'] as Pad[]) {
      convCases.push({ n, h: 7, w: 9, ci: 3, co: 5, k: [3, 3], strides, pad });
      convCases.push({ n, h: 9, w: 6, ci: 6, co: 4, k: [5, 3], strides, pad });
    }
  }
}
convCases.push(
  { n: 3, h: 8, w: 8, ci: 4, co: 6, k: [1, 1], strides: [1, 1], pad: 'valid' }, // a plain matrix product
  { n: 2, h: 11, w: 10, ci: 5, co: 3, k: [2, 2], strides: [2, 1], pad: 'same' },
  { n: 2, h: 9, w: 9, ci: 3, co: 4, k: [3, 3], strides: [2, 2], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { n: 1, h: 3, w: 3, ci: 2, co: 2, k: [3, 3], strides: [3, 3], pad: 'valid' }, // one output pixel
  // the paper net's first two layers at batch 100
  { n: 100, h: 32, w: 32, ci: 3, co: 16, k: [3, 3], strides: [2, 2], pad: 'same' },
  { n: 100, h: 16, w: 16, ci: 16, co: 16, k: [3, 3], strides: [2, 2], pad: 'same' },
);



describe('conv2d and its gradients match the cpu backend', () => {
  for (const c of convCases) {
    const { xShape, fShape, yShape } = convShapes(c);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    it(`forward, ${convName(c)}`, async () => {
      const err = await wasmVsCpu(() => tf.conv2d(tensor(xShape, 11) as tf.Tensor4D, tensor(fShape, 23) as tf.Tensor4D, c.strides, c.pad));
      expect(err).toBeLessThanOrEqual(TOL);
    });
    it(`input gradient, ${convName(c)}`, async () => {
      const err = await wasmVsCpu(() => tf.engine().runKernel('Conv2DBackpropInput', { dy: tensor(yShape, 37), filter: tensor(fShape, 23) },
        { ...attrs, inputShape: xShape } as unknown as tf.NamedAttrMap) as tf.Tensor);
      expect(err).toBeLessThanOrEqual(TOL);
    });
    it(`filter gradient, ${convName(c)}`, async () => {
      const err = await wasmVsCpu(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: tensor(xShape, 11), dy: tensor(yShape, 37) },
        { ...attrs, filterShape: fShape } as unknown as tf.NamedAttrMap) as tf.Tensor);
      expect(err).toBeLessThanOrEqual(TOL);
    });
  }
  it('forward with dilation 2', async () => {
    const err = await wasmVsCpu(() => tf.conv2d(tensor([2, 9, 8, 3], 5) as tf.Tensor4D, tensor([3, 3, 3, 4], 6) as tf.Tensor4D, 1, 'same', 'NHWC', 2));
    expect(err).toBeLessThanOrEqual(TOL);
  });
  it('gradients through tf.grad (the way training calls them)', async () => {
    const err = await wasmVsCpu(() => {
      const x = tensor([4, 9, 9, 3], 1) as tf.Tensor4D;
      const f = tensor([3, 3, 3, 5], 2) as tf.Tensor4D;
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))));
      return g([x, f]);
    });
    expect(err).toBeLessThanOrEqual(TOL);
  });
});

describe('batched matmul matches the cpu backend', () => {
  const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
    { a: [7, 5], b: [5, 3], ta: false, tb: false },
    { a: [1, 9, 5], b: [1, 5, 6], ta: false, tb: false },
    { a: [100, 5, 9], b: [100, 6, 5], ta: true, tb: true },
    { a: [100, 9, 5], b: [100, 6, 5], ta: false, tb: true },
    { a: [100, 5, 9], b: [100, 5, 6], ta: true, tb: false },
    { a: [1, 9, 5], b: [4, 5, 6], ta: false, tb: false }, // batch broadcast
    { a: [2, 3, 9, 5], b: [5, 6], ta: false, tb: false },
    { a: [130, 70], b: [70, 33], ta: false, tb: false }, // rows split between threads
  ];
  for (const c of cases) {
    it(`${c.a.join('x')}${c.ta ? 'T' : ''} x ${c.b.join('x')}${c.tb ? 'T' : ''}`, async () => {
      const err = await wasmVsCpu(() => tf.matMul(tensor(c.a, 3), tensor(c.b, 4), c.ta, c.tb));
      expect(err).toBeLessThanOrEqual(TOL);
    });
  }
});

describe('element-wise ops with broadcasting match the cpu backend', () => {
  const shapes: [number[], number[]][] = [
    [[100, 7, 5, 3], [100, 7, 5, 3]],
    [[100, 7, 5, 3], [3]],
    [[1, 1, 1, 3], [100, 7, 5, 3]],
    [[100, 7, 5, 3], []],
    [[100, 1, 5, 1], [1, 7, 1, 3]],
    [[1, 7, 5, 3], [7, 1, 1]],
    [[1, 9, 11, 5], [1, 9, 11, 5]],
  ];
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div],
    ['squaredDifference', tf.squaredDifference], ['maximum', tf.maximum], ['minimum', tf.minimum],
  ];
  for (const [name, op] of ops) {
    for (const [sa, sb] of shapes) {
      it(`${name} [${sa}] [${sb}]`, async () => {
        // divisors kept away from 0
        const err = await wasmVsCpu(() => op(tensor(sa, 7), tensor(sb, 8, name === 'div' ? 2.5 : 0)));
        expect(err).toBeLessThanOrEqual(TOL);
      });
    }
  }
  it('addN of three', async () => {
    expect(await wasmVsCpu(() => tf.addN([tensor([100, 3, 5], 1), tensor([100, 3, 5], 2), tensor([100, 3, 5], 3)]))).toBeLessThanOrEqual(TOL);
  });
  const unary: [string, (x: tf.Tensor) => tf.Tensor, number][] = [
    ['relu', tf.relu, 0], ['step', (x) => tf.step(x), 0], ['step alpha 0.3', (x) => tf.step(x, 0.3), 0], ['square', tf.square, 0],
    ['neg', tf.neg, 0], ['rsqrt', tf.rsqrt, 1.5], ['sqrt', tf.sqrt, 1.5], ['exp', tf.exp, 0], ['log', tf.log, 1.5],
    ['abs', tf.abs, 0], ['relu6', (x) => tf.relu6(tf.mul(x, 8)), 0], ['sigmoid', tf.sigmoid, 0], ['reciprocal', tf.reciprocal, 2.5],
  ];
  for (const [name, op, offset] of unary) {
    for (const shape of [[1, 9, 11, 5], [100, 7, 5, 3]]) {
      it(`${name} [${shape}]`, async () => {
        expect(await wasmVsCpu(() => op(tensor(shape, 9, offset)))).toBeLessThanOrEqual(TOL);
      });
    }
  }
  it('tile (a broadcast, and a real repeat)', async () => {
    expect(await wasmVsCpu(() => [tf.tile(tensor([1, 1, 1, 5], 3), [100, 4, 3, 1]), tf.tile(tensor([2, 3], 4), [3, 2])])).toBeLessThanOrEqual(TOL);
  });
  it('identity and cast keep values (and share no data that is later overwritten)', async () => {
    expect(await wasmVsCpu(() => {
      const x = tensor([100, 3, 5], 5);
      const copy = tf.clone(x);
      const same = tf.cast(x, 'float32');
      const ints = tf.cast(tf.mul(x, 10), 'int32');
      return [copy, same, tf.cast(ints, 'float32'), tf.add(copy, same)];
    })).toBeLessThanOrEqual(TOL);
  });
});

describe('sum and mean match the cpu backend', () => {
  const cases: [number[], number[] | null, boolean][] = [
    [[100, 16, 16, 8], [0, 1, 2], false],
    [[100, 16, 16, 8], [0, 1, 2], true],
    [[100, 7, 5, 3], [1, 2], false],
    [[100, 7, 5, 3], [3], false],
    [[100, 7, 5, 3], [0], true],
    [[100, 7, 5, 3], null, false],
    [[100, 7, 5, 3], [0, 2], false], // not one run of axes: the wasm kernel does it
    [[1, 9, 11, 5], [0, 1, 2], false],
    [[2, 70000], [1], false], // long rows, split in pieces
    [[70000, 3], [0], false],
  ];
  for (const [shape, axes, keep] of cases) {
    for (const [name, op] of [['sum', tf.sum], ['mean', tf.mean]] as const) {
      it(`${name} [${shape}] over ${axes ? `[${axes}]` : 'all'}${keep ? ' keepDims' : ''}`, async () => {
        expect(await wasmVsCpu(() => op(tensor(shape, 13), axes ?? undefined, keep))).toBeLessThanOrEqual(TOL);
      });
    }
  }
  it('gradients of sum and mean (broadcast back to the input)', async () => {
    expect(await wasmVsCpu(() => {
      const x = tensor([6, 5, 4, 3], 2);
      return [
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.mean(a, [0, 1, 2]), tensor([3], 4))))(x),
        tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.sum(a, [1, 2], true))))(x),
      ];
    })).toBeLessThanOrEqual(TOL);
  });
});

describe('fused batch norm + ReLU matches the composed ops on the cpu backend', () => {
  for (const shape of [[100, 16, 16, 8], [1, 5, 7, 3], [100, 2, 2, 80]]) {
    it(`forward and gradient, [${shape}]`, async () => {
      const err = await wasmVsCpu(() => {
        const z = tf.add(tensor(shape, 21), 0.3);
        const weights = tensor(shape, 22);
        const y = batchNormRelu(z, 1e-5);
        const dz = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(batchNormRelu(a, 1e-5), weights)))(z);
        return [y, dz];
      });
      expect(err).toBeLessThanOrEqual(TOL);
    });
  }
  it('with given statistics (evaluation)', async () => {
    const err = await wasmVsCpu(() => normalizeRelu(tensor([100, 4, 4, 6], 3), tensor([6], 4), tensor([6], 5, 1.5), 1e-5));
    expect(err).toBeLessThanOrEqual(TOL);
  });
});

describe('coverage', () => {
  it('went through the native kernels (when they are active), conv never falling back', () => {
    const status = nativeStatus();
    if (!status.active) return;
    const counts = nativeCallCounts();
    for (const name of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', 'Add', 'Sub', 'Multiply', 'RealDiv',
      'SquaredDifference', 'Maximum', 'Minimum', 'AddN', 'Relu', 'Step', 'Square', 'Exp', 'Sum', 'Mean', 'Tile',
      'LandscapeBatchNormRelu', 'LandscapeBatchNormReluGrad', 'LandscapeNormalizeRelu']) {
      const c = counts[name];
      expect(c, name).toBeDefined();
      expect(c!.calls - c!.fallbacks, `native calls of ${name}`).toBeGreaterThan(0);
    }
    for (const name of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul']) expect(counts[name]!.fallbacks, name).toBe(0);
  });
});
