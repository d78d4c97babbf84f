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
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BN_RELU, BN_RELU_GRAD, NORMALIZE_RELU } from './batch-norm-relu.ts';
import { reductionPlan } from './js-kernels.ts';
import { compareSelfTest, KernelSwap } from './kernel-swap.ts';
import { NATIVE_ADDON_PATH, nativeAddonBuilt, nativeAddonFile, nativeSetting, type KernelProvider } from './fingerprint.ts';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap };
type Kernel = (args: KernelArgs) => Info | Info[];

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

export interface NativeStatus {
  /** the kernels in use on 'wasm' */
  kernels: KernelProvider;
  active: boolean;
  /** one line, set when the addon is off, missing or broken (why the npm-only kernels are used) */
  notice: string | null;
  /** when active: threads, BLAS build and the core type it dispatched to */
  threads?: number;
  blas?: string;
  core?: string;
  /** kernel names replaced on 'wasm' */
  replaced: string[];
}

const BACKEND = 'wasm';
const FALLBACK = 'using the npm-only wasm path';

let addon: Addon | null = null;
let addonInfo: { threads: number; blas: string; core: string } | null = null;
/** the kernels we replaced, to delegate to and to restore */
const swap = new KernelSwap(BACKEND);
let status: NativeStatus = { kernels: 'xnnpack', active: false, notice: null, replaced: [] };

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

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
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
  counted(name).fallbacks++;
  const config = swap.original(name);
  if (!config) throw new Error(`native kernels: no fallback kernel for ${name} on 'wasm'`);
  return (config.kernelFunc as unknown as Kernel)(args);
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

type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

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

function channelsLast(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

function geometryOk(c: tf.backend_util.Conv2DInfo): boolean {
  return c.padInfo.top >= 0 && c.padInfo.left >= 0 && c.outHeight >= 0 && c.outWidth >= 0;
}

function conv2d(args: KernelArgs): Info | Info[] {
  const { x, filter } = args.inputs as { x: Info; filter: Info };
  const a = args.attrs as unknown as {
    strides: [number, number] | number; pad: PadAttr; dataFormat?: string; dilations: [number, number] | number; dimRoundingMode?: Rounding;
  };
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || !channelsLast(a.dataFormat) || x.shape.length !== 4) {
    return fallback('Conv2D', args);
  }
  const c = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  if (!geometryOk(c)) return fallback('Conv2D', args);
  const { backend } = args;
  return withOutput(backend, c.outShape, (y) => {
    setConvParams(c);
    params[15] = offsetOf(backend, x);
    params[16] = offsetOf(backend, filter);
    params[17] = offsetOf(backend, y);
    addon!.conv2d(heap(backend), params);
  });
}

function conv2dBackpropInput(args: KernelArgs): Info | Info[] {
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const a = args.attrs as unknown as {
    strides: [number, number] | number; pad: PadAttr; dataFormat?: string; dimRoundingMode?: Rounding; inputShape: [number, number, number, number];
  };
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32' || !channelsLast(a.dataFormat)) {
    return fallback('Conv2DBackpropInput', args);
  }
  const c = tf.backend_util.computeConv2DInfo(
    a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  if (!geometryOk(c)) return fallback('Conv2DBackpropInput', args);
  const { backend } = args;
  return withOutput(backend, [...a.inputShape], (dx) => {
    setConvParams(c);
    params[15] = offsetOf(backend, dy);
    params[16] = offsetOf(backend, filter);
    params[17] = offsetOf(backend, dx);
    addon!.conv2dBackpropInput(heap(backend), params);
  });
}

function conv2dBackpropFilter(args: KernelArgs): Info | Info[] {
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const a = args.attrs as unknown as {
    strides: [number, number] | number; pad: PadAttr; dataFormat?: string; dimRoundingMode?: Rounding; filterShape: [number, number, number, number];
  };
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || !channelsLast(a.dataFormat) || x.shape.length !== 4) {
    return fallback('Conv2DBackpropFilter', args);
  }
  const c = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  if (!geometryOk(c)) return fallback('Conv2DBackpropFilter', args);
  const { backend } = args;
  return withOutput(backend, [...a.filterShape], (dw) => {
    setConvParams(c);
    params[15] = offsetOf(backend, x);
    params[16] = offsetOf(backend, dy);
    params[17] = offsetOf(backend, dw);
    addon!.conv2dBackpropFilter(heap(backend), params);
  });
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

function channelGeometry(x: Info, what: string): { rows: number; channels: number } {
  if (x.dtype !== 'float32' || x.shape.length < 2) throw new Error(`native kernels: ${what} needs a float32 tensor of rank >= 2`);
  const channels = x.shape[x.shape.length - 1]!;
  return { rows: channels === 0 ? 0 : size(x.shape) / channels, channels };
}

function setEpsilon(index: number, epsilon: number): void {
  alphaBits[0] = epsilon;
  params[index] = alphaWord[0]!;
}

function bnRelu(args: KernelArgs): Info | Info[] {
  const { x } = args.inputs as { x: Info };
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  const { rows, channels } = channelGeometry(x, BN_RELU);
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
  const { rows, channels } = channelGeometry(x, BN_RELU_GRAD);
  if (dy.shape.join() !== x.shape.join() || size(mean.shape) !== channels || size(rstd.shape) !== channels) {
    throw new Error(`native kernels: ${BN_RELU_GRAD}: shapes do not match`);
  }
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
  const { rows, channels } = channelGeometry(x, NORMALIZE_RELU);
  if (size(mean.shape) !== channels || size(variance.shape) !== channels || mean.dtype !== 'float32' || variance.dtype !== 'float32') {
    throw new Error(`native kernels: ${NORMALIZE_RELU}: statistics must be float32 with one value per channel`);
  }
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
  Conv2D: conv2d,
  Conv2DBackpropInput: conv2dBackpropInput,
  Conv2DBackpropFilter: conv2dBackpropFilter,
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

function register(): void {
  const counting = Object.entries(KERNELS).map(([name, kernelFunc]) => {
    const count = counted(name);
    const wrapped = ((args: KernelArgs) => {
      count.calls++;
      return kernelFunc(args);
    }) as unknown as tf.KernelFunc;
    return [name, wrapped] as const;
  });
  swap.install(Object.fromEntries(counting));
}

/** Puts back the kernels that were replaced (the npm-only wasm path); for tests and benchmarks. */
export function deactivateNativeKernels(): void {
  swap.restore();
  status = { ...status, kernels: 'xnnpack', active: false, replaced: [] };
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.trim();
}

function loadAddon(): Addon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  const loaded = require(nativeAddonFile()) as Addon;
  const functions = ['init', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'batchMatMul', 'binary', 'unary', 'reduce',
    'bnRelu', 'bnReluGrad', 'normalizeRelu'] as const;
  for (const fn of functions) {
    if (typeof loaded[fn] !== 'function') throw new Error(`the addon has no '${fn}' function (stale build? run npm run install)`);
  }
  const requested = Number(process.env.LANDSCAPE_NATIVE_THREADS ?? '');
  const threads = Number.isInteger(requested) && requested > 0 ? requested : availableParallelism();
  const spin = Number(process.env.LANDSCAPE_NATIVE_SPIN_US ?? '');
  addonInfo = loaded.init(threads, Number.isFinite(spin) && spin >= 0 ? spin : 200);
  addon = loaded;
  return loaded;
}

/** A small convolution, its gradients, a broadcast product, a channel sum and a matmul. */
function selfTestOutputs(): tf.Tensor[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 7 * 6 * 3 }, (_, i) => Math.sin(i * 0.37)), [2, 7, 6, 3]);
    const f = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i * 0.61)), [3, 3, 3, 4]);
    const y = tf.conv2d(x, f, 2, 'same');
    const dy = tf.mul(tf.onesLike(y), tf.reshape(tf.range(0, 4), [1, 1, 1, 4]));
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC' };
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: f.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
    return [y, dx, dw, tf.sum(tf.mul(y, tf.range(1, 5)), [0, 1, 2]), tf.matMul(tf.reshape(y, [-1, 4]), tf.reshape(f, [27, 4]), false, true)];
  });
}

const SELF_TEST_OUTPUTS = ['conv2d', 'conv2d input gradient', 'conv2d filter gradient', 'channel sum', 'matmul'];

/**
 * Replaces the 'wasm' backend's kernels with the native ones when the addon is built, loads
 * and passes its self-test; otherwise leaves them and says why in `notice`. Call with 'wasm'
 * active (after selectWasm()). Throws only when LANDSCAPE_NATIVE=1 asks for the addon.
 */
export function activateNativeKernels(): NativeStatus {
  if (status.active) return status;
  const setting = nativeSetting();
  if (setting === 'off') {
    status = { kernels: 'xnnpack', active: false, notice: `native kernels off (LANDSCAPE_NATIVE=0): ${FALLBACK}`, replaced: [] };
    return status;
  }
  if (tf.getBackend() !== BACKEND) throw new Error(`native kernels: the active backend is '${tf.getBackend()}', not 'wasm'`);
  let notice: string;
  if (!nativeAddonBuilt()) {
    const file = process.env.LANDSCAPE_NATIVE_ADDON?.trim() || NATIVE_ADDON_PATH;
    notice = `native kernels not built (no ${file}; npm install builds it when the OpenBLAS headers are there, e.g. apt-get install libopenblas-dev): ${FALLBACK}`;
  } else {
    let reference: tf.Tensor[] = [];
    let native: tf.Tensor[] = [];
    try {
      loadAddon();
      reference = selfTestOutputs();
      register();
      native = selfTestOutputs();
      compareSelfTest(SELF_TEST_OUTPUTS, native, reference);
      status = {
        kernels: 'native-openblas', active: true, notice: null, threads: addonInfo!.threads, blas: addonInfo!.blas.trim(),
        core: addonInfo!.core, replaced: swap.names,
      };
      return status;
    } catch (error) {
      deactivateNativeKernels();
      notice = `native kernels broken (${firstLine(error)}): ${FALLBACK}`;
    } finally {
      tf.dispose([...reference, ...native]);
    }
  }
  if (setting === 'required') throw new Error(`LANDSCAPE_NATIVE=1, but ${notice.replace(`: ${FALLBACK}`, '')}`);
  status = { kernels: 'xnnpack', active: false, notice, replaced: [] };
  return status;
}

export function nativeStatus(): NativeStatus {
  return status;
}
