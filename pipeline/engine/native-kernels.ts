// The native kernel provider: an N-API addon (native/, built at install when OpenBLAS headers
// are present) whose kernels replace the 'wasm' backend's own for the work that dominates
// training: convolutions and their gradients (im2col + OpenBLAS sgemm), batched matmul,
// element-wise arithmetic with broadcasting, unary activations and sum/mean reductions. The
// kernels read and write the tensors where they live, in the wasm heap (no copies); anything
// they do not cover (other dtypes, NCHW, reductions over scattered axes) goes to the kernel
// they replaced. Also: the fused batch norm + ReLU kernels of batch-norm-relu.ts.
//
// LANDSCAPE_NATIVE=0 turns the provider off, =1 makes a missing or broken addon an error;
// unset, it is used when it loads and passes its self-test. LANDSCAPE_NATIVE_THREADS sets the
// addon's threads (default: the machine's cores).
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BN_RELU, BN_RELU_GRAD, NORMALIZE_RELU } from './batch-norm-relu.ts';
import { reductionPlan } from './js-kernels.ts';
import {
  channelGeometry,
  checkBnReluGrad,
  checkNormalizeRelu,
  CONV_SELF_TEST_NAMES,
  convCall,
  convSelfTest,
  envNumber,
  envThreads,
  size,
  WasmKernelProvider,
  type ConvKernelName,
  type Info,
  type Kernel,
  type KernelArgs,
  type ProviderStatus,
} from './kernel-provider.ts';
import { NATIVE_ADDON_PATH, nativeAddonBuilt, nativeAddonFile, nativeSetting } from './fingerprint.ts';

/** The addon's exports (native/src/addon.cc documents the parameter layouts). */
interface Addon {
  init(threads: number, spinMicros: number): { threads: number; blas: string; core: string };
  conv2d(heap: Uint8Array, params: Uint32Array): void;
  conv2dBackpropInput(heap: Uint8Array, params: Uint32Array): void;
  conv2dBackpropFilter(heap: Uint8Array, params: Uint32Array): void;
  batchMatMul(heap: Uint8Array, params: Uint32Array): void;
  binary(heap: Uint8Array, params: Uint32Array): void;
  unary(heap: Uint8Array, params: Uint32Array): void;
  reduce(heap: Uint8Array, params: Uint32Array): void;
  bnRelu(heap: Uint8Array, params: Uint32Array): void;
  bnReluGrad(heap: Uint8Array, params: Uint32Array): void;
  normalizeRelu(heap: Uint8Array, params: Uint32Array): void;
}

/** When active: threads, BLAS build and the core type it dispatched to. */
interface NativeDetails {
  threads: number;
  blas: string;
  core: string;
}
export type NativeStatus = ProviderStatus & Partial<NativeDetails>;

const LABEL = 'native kernels';

let addon: Addon | null = null;
let addonInfo: NativeDetails | null = null;

// One parameter block reused by every call (the addon reads it synchronously).
const params = new Uint32Array(64);
const alphaBits = new Float32Array(1);
const alphaWord = new Uint32Array(alphaBits.buffer);

// ---------------------------------------------------------------------------------------------
// heap access

function offsetOf(backend: BackendWasm, info: Info): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset;
}

/** The heap as bytes; fetched after the outputs are allocated (growth replaces the buffer). */
function heap(backend: BackendWasm): Uint8Array {
  return (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
}

/** Calls of each replaced kernel, and how many of them went to the kernel it replaced. */
const callCounts = new Map<string, { calls: number; fallbacks: number }>();

function counted(name: string): { calls: number; fallbacks: number } {
  let entry = callCounts.get(name);
  if (!entry) callCounts.set(name, (entry = { calls: 0, fallbacks: 0 }));
  return entry;
}

/** Per kernel name: calls since activation and how many the replaced kernel handled (for tests and benchmarks). */
export function nativeCallCounts(): Record<string, { calls: number; fallbacks: number }> {
  return Object.fromEntries([...callCounts].map(([name, c]) => [name, { ...c }]));
}

function fallback(name: string, args: KernelArgs): Info | Info[] {
  return provider.fallback(name, args);
}

/** A new float32 output; the native call fills it, and frees it if the call throws. */
function withOutput(backend: BackendWasm, shape: number[], fill: (out: Info) => void): Info {
  const out = backend.makeOutput(shape, 'float32');
  try {
    fill(out);
  } catch (error) {
    backend.disposeData(out.dataId);
    throw error;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// convolutions

function setConvParams(c: tf.backend_util.Conv2DInfo): void {
  params[0] = c.batchSize;
  params[1] = c.inHeight;
  params[2] = c.inWidth;
  params[3] = c.inChannels;
  params[4] = c.filterHeight;
  params[5] = c.filterWidth;
  params[6] = c.outChannels;
  params[7] = c.outHeight;
  params[8] = c.outWidth;
  params[9] = c.strideHeight;
  params[10] = c.strideWidth;
  params[11] = c.dilationHeight;
  params[12] = c.dilationWidth;
  params[13] = c.padInfo.top;
  params[14] = c.padInfo.left;
}

/** A convolution kernel: the addon function takes the geometry and its two inputs in kernel order (kernel-provider.ts). */
function convKernel(name: ConvKernelName, run: (heap: Uint8Array, params: Uint32Array) => void): Kernel {
  return (args) => {
    const call = convCall(name, args);
    if (!call) return fallback(name, args);
    const { backend } = args;
    return withOutput(backend, call.outShape, (out) => {
      setConvParams(call.c);
      params[15] = offsetOf(backend, call.first);
      params[16] = offsetOf(backend, call.second);
      params[17] = offsetOf(backend, out);
      run(heap(backend), params);
    });
  };
}

// ---------------------------------------------------------------------------------------------
// batched matmul

function batchMatMul(args: KernelArgs): Info | Info[] {
  const { a, b } = args.inputs as { a: Info; b: Info };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return fallback('BatchMatMul', args);
  const ra = a.shape.length, rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) return fallback('BatchMatMul', args); // the original kernel reports the mismatch
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const batchA = size(outerA), batchB = size(outerB);
  let outer: number[];
  try {
    outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return fallback('BatchMatMul', args);
  }
  // one side broadcast whole, or both the same batch
  const sameOuter = batchA === batchB && size(outer) === batchA;
  if (!sameOuter && batchA !== 1 && batchB !== 1) return fallback('BatchMatMul', args);
  const { backend } = args;
  return withOutput(backend, [...outer, m, n], (out) => {
    params[0] = batchA;
    params[1] = batchB;
    params[2] = m;
    params[3] = n;
    params[4] = k;
    params[5] = transposeA ? 1 : 0;
    params[6] = transposeB ? 1 : 0;
    params[7] = offsetOf(backend, a);
    params[8] = offsetOf(backend, b);
    params[9] = offsetOf(backend, out);
    addon!.batchMatMul(heap(backend), params);
  });
}

// ---------------------------------------------------------------------------------------------
// element-wise

const BINARY_OPS: Record<string, number> = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, SquaredDifference: 4, Maximum: 5, Minimum: 6,
};

/**
 * Broadcast geometry of a binary op as few dimensions as possible: sizes of the output and the
 * element strides of each input (0 along broadcast dimensions); adjacent dimensions merge
 * when both inputs walk them contiguously. null when it needs more than 8 dimensions.
 */
export function broadcastPlan(aShape: number[], bShape: number[], outShape: number[]):
  { sizes: number[]; stridesA: number[]; stridesB: number[] } | null {
  const rank = outShape.length;
  const stridesOf = (shape: number[]): number[] => {
    const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
    const strides = new Array<number>(rank).fill(0);
    let s = 1;
    for (let d = rank - 1; d >= 0; d--) {
      strides[d] = padded[d] === 1 && outShape[d] !== 1 ? 0 : s;
      s *= padded[d]!;
    }
    return strides;
  };
  const sa = stridesOf(aShape), sb = stridesOf(bShape);
  const sizes: number[] = [], stridesA: number[] = [], stridesB: number[] = [];
  for (let d = 0; d < rank; d++) {
    if (outShape[d] === 1) continue;
    const last = sizes.length - 1;
    if (last >= 0 && stridesA[last] === sa[d]! * outShape[d]! && stridesB[last] === sb[d]! * outShape[d]!) {
      sizes[last] = sizes[last]! * outShape[d]!;
      stridesA[last] = sa[d]!;
      stridesB[last] = sb[d]!;
    } else {
      sizes.push(outShape[d]!);
      stridesA.push(sa[d]!);
      stridesB.push(sb[d]!);
    }
  }
  if (sizes.length === 0) return { sizes: [1], stridesA: [0], stridesB: [0] };
  return sizes.length <= 8 ? { sizes, stridesA, stridesB } : null;
}

function binaryInto(backend: BackendWasm, op: number, a: Info, b: Info, out: Info, plan: NonNullable<ReturnType<typeof broadcastPlan>>): void {
  const nd = plan.sizes.length;
  params[0] = op;
  params[1] = nd;
  params[2] = offsetOf(backend, a);
  params[3] = offsetOf(backend, b);
  params[4] = offsetOf(backend, out);
  for (let d = 0; d < nd; d++) {
    params[5 + d] = plan.sizes[d]!;
    params[5 + nd + d] = plan.stridesA[d]!;
    params[5 + 2 * nd + d] = plan.stridesB[d]!;
  }
  addon!.binary(heap(backend), params);
}

function binaryKernel(name: string): Kernel {
  const op = BINARY_OPS[name]!;
  return (args) => {
    const { a, b } = args.inputs as { a: Info; b: Info };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(name, args);
    let outShape: number[];
    try {
      outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    } catch {
      return fallback(name, args);
    }
    const plan = broadcastPlan(a.shape, b.shape, outShape);
    if (!plan) return fallback(name, args);
    const { backend } = args;
    return withOutput(backend, outShape, (out) => binaryInto(backend, op, a, b, out, plan));
  };
}

function addN(args: KernelArgs): Info | Info[] {
  const list = Object.values(args.inputs) as Info[];
  const first = list[0];
  if (!first || list.some((t) => t.dtype !== 'float32' || t.shape.join() !== first.shape.join())) return fallback('AddN', args);
  const { backend } = args;
  if (list.length === 1) {
    backend.incRef(first.dataId);
    return { dataId: first.dataId, shape: first.shape, dtype: first.dtype };
  }
  const plan = broadcastPlan(first.shape, first.shape, first.shape)!;
  return withOutput(backend, first.shape, (out) => {
    binaryInto(backend, BINARY_OPS.Add!, list[0]!, list[1]!, out, plan);
    for (let i = 2; i < list.length; i++) binaryInto(backend, BINARY_OPS.Add!, out, list[i]!, out, plan);
  });
}

/** Tile that only repeats size-1 dimensions is a broadcast: one native pass. */
function tile(args: KernelArgs): Info | Info[] {
  const { x } = args.inputs as { x: Info };
  const { reps } = args.attrs as unknown as { reps: number[] };
  if (x.dtype !== 'float32' || reps.length !== x.shape.length || reps.some((r, d) => r !== 1 && x.shape[d] !== 1)) {
    return fallback('Tile', args);
  }
  const outShape = x.shape.map((s, d) => s * reps[d]!);
  const plan = broadcastPlan(x.shape, x.shape.map(() => 1), outShape);
  if (!plan) return fallback('Tile', args);
  const { backend } = args;
  return withOutput(backend, outShape, (out) => binaryInto(backend, 7, x, x, out, plan));
}

const UNARY_OPS: Record<string, number> = {
  Relu: 0, Step: 1, Square: 2, Neg: 3, Rsqrt: 4, Sqrt: 5, Exp: 6, Log: 7, Abs: 8, Relu6: 9, Sigmoid: 10, Reciprocal: 11,
};

function unaryKernel(name: string): Kernel {
  const op = UNARY_OPS[name]!;
  return (args) => {
    const { x } = args.inputs as { x: Info };
    if (x.dtype !== 'float32') return fallback(name, args);
    const alpha = name === 'Step' ? Number((args.attrs as { alpha?: number } | undefined)?.alpha ?? 0) : 0;
    const { backend } = args;
    return withOutput(backend, x.shape, (out) => {
      alphaBits[0] = alpha;
      params[0] = op;
      params[1] = size(x.shape);
      params[2] = alphaWord[0]!;
      params[3] = offsetOf(backend, x);
      params[4] = offsetOf(backend, out);
      addon!.unary(heap(backend), params);
    });
  };
}

// ---------------------------------------------------------------------------------------------
// reductions

function reduceKernel(name: 'Sum' | 'Mean'): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: Info };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    if (x.dtype !== 'float32') return fallback(name, args);
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const plan = reductionPlan(x.shape, axes);
    if (!plan) return fallback(name, args);
    const [reducedShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const outShape = keepDims ? tf.backend_util.expandShapeToKeepDim(reducedShape, axes) : reducedShape;
    const { backend } = args;
    return withOutput(backend, outShape, (out) => {
      params[0] = name === 'Mean' ? 1 : 0;
      params[1] = plan.outer;
      params[2] = plan.reduce;
      params[3] = plan.inner;
      params[4] = offsetOf(backend, x);
      params[5] = offsetOf(backend, out);
      addon!.reduce(heap(backend), params);
    });
  };
}

// ---------------------------------------------------------------------------------------------
// batch norm + ReLU (the fused ops of batch-norm-relu.ts; no wasm kernel to fall back to)

function setEpsilon(index: number, epsilon: number): void {
  alphaBits[0] = epsilon;
  params[index] = alphaWord[0]!;
}

function bnRelu(args: KernelArgs): Info | Info[] {
  const { x } = args.inputs as { x: Info };
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  const { rows, channels } = channelGeometry(LABEL, x, BN_RELU);
  const { backend } = args;
  const outs = [backend.makeOutput(x.shape, 'float32'), backend.makeOutput([channels], 'float32'), backend.makeOutput([channels], 'float32')];
  try {
    params[0] = rows;
    params[1] = channels;
    setEpsilon(2, epsilon);
    params[3] = offsetOf(backend, x);
    outs.forEach((out, i) => (params[4 + i] = offsetOf(backend, out)));
    addon!.bnRelu(heap(backend), params);
  } catch (error) {
    for (const out of outs) backend.disposeData(out.dataId);
    throw error;
  }
  return outs;
}

function bnReluGrad(args: KernelArgs): Info | Info[] {
  const { dy, x, mean, rstd } = args.inputs as { dy: Info; x: Info; mean: Info; rstd: Info };
  const { rows, channels } = channelGeometry(LABEL, x, BN_RELU_GRAD);
  checkBnReluGrad(LABEL, BN_RELU_GRAD, { dy, x, mean, rstd }, channels);
  const { backend } = args;
  return withOutput(backend, x.shape, (dx) => {
    params[0] = rows;
    params[1] = channels;
    params[2] = offsetOf(backend, dy);
    params[3] = offsetOf(backend, x);
    params[4] = offsetOf(backend, mean);
    params[5] = offsetOf(backend, rstd);
    params[6] = offsetOf(backend, dx);
    addon!.bnReluGrad(heap(backend), params);
  });
}

function normalizeReluKernel(args: KernelArgs): Info | Info[] {
  const { x, mean, variance } = args.inputs as { x: Info; mean: Info; variance: Info };
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  const { rows, channels } = channelGeometry(LABEL, x, NORMALIZE_RELU);
  checkNormalizeRelu(LABEL, NORMALIZE_RELU, mean, variance, channels);
  const { backend } = args;
  return withOutput(backend, x.shape, (y) => {
    params[0] = rows;
    params[1] = channels;
    setEpsilon(2, epsilon);
    params[3] = offsetOf(backend, x);
    params[4] = offsetOf(backend, mean);
    params[5] = offsetOf(backend, variance);
    params[6] = offsetOf(backend, y);
    addon!.normalizeRelu(heap(backend), params);
  });
}

// ---------------------------------------------------------------------------------------------
// registration

const KERNELS: Record<string, Kernel> = {
  Conv2D: convKernel('Conv2D', (h, p) => addon!.conv2d(h, p)),
  Conv2DBackpropInput: convKernel('Conv2DBackpropInput', (h, p) => addon!.conv2dBackpropInput(h, p)),
  Conv2DBackpropFilter: convKernel('Conv2DBackpropFilter', (h, p) => addon!.conv2dBackpropFilter(h, p)),
  BatchMatMul: batchMatMul,
  ...Object.fromEntries(Object.keys(BINARY_OPS).map((name) => [name, binaryKernel(name)])),
  AddN: addN,
  ...Object.fromEntries(Object.keys(UNARY_OPS).map((name) => [name, unaryKernel(name)])),
  Sum: reduceKernel('Sum'),
  Mean: reduceKernel('Mean'),
  Tile: tile,
  [BN_RELU]: bnRelu,
  [BN_RELU_GRAD]: bnReluGrad,
  [NORMALIZE_RELU]: normalizeReluKernel,
};

export const NATIVE_KERNEL_NAMES: readonly string[] = Object.keys(KERNELS);

function loadAddon(): void {
  if (addon) return;
  const require = createRequire(import.meta.url);
  const loaded = require(nativeAddonFile()) as Addon;
  const functions = ['init', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'batchMatMul', 'binary', 'unary', 'reduce',
    'bnRelu', 'bnReluGrad', 'normalizeRelu'] as const;
  for (const fn of functions) {
    if (typeof loaded[fn] !== 'function') throw new Error(`the addon has no '${fn}' function (stale build? run npm run install)`);
  }
  const spin = envNumber('LANDSCAPE_NATIVE_SPIN_US', 200, (n) => Number.isFinite(n) && n >= 0);
  addonInfo = loaded.init(envThreads('LANDSCAPE_NATIVE_THREADS'), spin);
  addon = loaded;
}

const provider = new WasmKernelProvider<NativeDetails>({
  label: LABEL,
  kernels: 'native-openblas',
  variable: 'LANDSCAPE_NATIVE',
  setting: nativeSetting,
  instead: 'using the npm-only wasm path',
  missing: () =>
    nativeAddonBuilt()
      ? null
      : `no ${process.env.LANDSCAPE_NATIVE_ADDON?.trim() || NATIVE_ADDON_PATH}; npm install builds it when the OpenBLAS headers are there, e.g. apt-get install libopenblas-dev`,
  load: loadAddon,
  install: () => {
    // every call counted, and (in fallback()) every call handed on to the replaced kernel
    const counting = Object.entries(KERNELS).map(([name, kernelFunc]) => {
      const count = counted(name);
      const wrapped = ((args: KernelArgs) => {
        count.calls++;
        return kernelFunc(args);
      }) as unknown as tf.KernelFunc;
      return [name, wrapped] as const;
    });
    provider.swap.install(Object.fromEntries(counting));
  },
  // a small convolution and its gradients, a broadcast product, a channel sum and a matmul
  selfTest: () =>
    convSelfTest([2, 7, 6, 3], [3, 3, 3, 4], (y, _x, f) => [
      tf.sum(tf.mul(y, tf.range(1, 5)), [0, 1, 2]),
      tf.matMul(tf.reshape(y, [-1, 4]), tf.reshape(f, [27, 4]), false, true),
    ]),
  selfTestNames: [...CONV_SELF_TEST_NAMES, 'channel sum', 'matmul'],
  details: () => ({ threads: addonInfo!.threads, blas: addonInfo!.blas.trim(), core: addonInfo!.core }),
  beforeFallback: (name) => void counted(name).fallbacks++,
});

/**
 * Replaces the 'wasm' backend's kernels with the native ones when the addon is built, loads
 * and passes its self-test; otherwise leaves them and says why in `notice`. Call with 'wasm'
 * active (after selectWasm()). Throws only when LANDSCAPE_NATIVE=1 asks for the addon.
 */
export function activateNativeKernels(): NativeStatus {
  return provider.activate();
}

/** Puts back the kernels that were replaced (the npm-only wasm path); for tests and benchmarks. */
export function deactivateNativeKernels(): void {
  provider.deactivate();
}

export function nativeStatus(): NativeStatus {
  return provider.status;
}
