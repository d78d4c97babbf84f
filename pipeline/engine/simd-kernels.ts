// The SIMD kernel provider: our own wasm kernels (wasm/assembly, compiled at install to
// wasm/build/, a plain and a relaxed-SIMD build; fingerprint.ts picks one), used on the npm-only
// path, that is on 'wasm' without the native addon. They replace the wasm backend's kernels
// where a training step spends its time: the convolution and both its gradients (im2col + a
// SIMD sgemm) and the fused batch norm + ReLU of batch-norm-relu.ts, all spread over worker
// threads that share one wasm memory (simd-pool.ts).
//
// The tensors live in the wasm backend's own heap, which worker threads cannot see. So the
// kernels keep tensors in their own memory too (simd-arena.ts): an input already there from an
// earlier call is read in place, any other is copied in; an output is left there and copied
// into the backend's heap only when something other than these kernels reads it: the
// backend's other kernels and its readSync are wrapped here to ask for that first. In a
// training step almost nothing is copied either way. Calls the kernels do not cover (other
// dtypes, NCHW) go to the kernel they replaced.
//
// LANDSCAPE_SIMD=0 turns the provider off, =1 makes a missing or broken module an error;
// unset, it is used when built and it passes its self-test. LANDSCAPE_SIMD_THREADS sets the
// threads (default: the machine's cores; the run's worker processes use 1 each),
// LANDSCAPE_SIMD_SPIN_US how long idle threads poll before they sleep (default 1000: a job
// usually follows within a millisecond, and waking a sleeping thread takes a good part of one).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { batchNormRelu, BN_RELU, BN_RELU_GRAD, NORMALIZE_RELU } from './batch-norm-relu.ts';
import { compilesHere, SIMD_KERNELS_PATH, simdKernelsBuilt, simdKernelsFile, simdSetting } from './fingerprint.ts';
import { sharesInputData } from './js-kernels.ts';
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
  type ConvCall,
  type ConvKernelName,
  type Info,
  type Kernel,
  type KernelArgs,
  type ProviderStatus,
} from './kernel-provider.ts';
import { KernelSwap } from './kernel-swap.ts';
import { flush, flushInputs, heapF32, Layout, offsetOf, releaseAll, SLACK_BYTES, useArenaOf, withArena } from './simd-arena.ts';
import { SimdPool } from './simd-pool.ts';

export { simdCounters } from './simd-arena.ts';

interface SimdDetails {
  threads: number;
  /** whether the kernels are the relaxed-SIMD build (fused multiply-add) */
  fma: boolean;
}
export type SimdStatus = ProviderStatus & Partial<SimdDetails>;

const BACKEND = 'wasm';
const LABEL = 'simd kernels';
// operation codes of wasm/assembly/index.ts
const OP = { CONV_FORWARD: 1, CONV_INPUT_GRADIENT: 2, CONV_FILTER_GRADIENT: 3, MOMENTS: 4, NORMALIZE_RELU: 5, GRAD_MOMENTS: 6, GRAD_APPLY: 7 } as const;
// chunks of pixels come in multiples of both builds' tile heights (6 rows; 4 with relaxed SIMD),
// so that no chunk ends in a partial tile (wasm/assembly/gemm.ts)
const ROW_UNIT = 12;
const SPILL_BYTES = 256;
// Below these a job runs on the calling thread alone: handing half of it to another thread
// costs more than it saves (measured: the preview net at batch 20 trains a fifth faster on one
// thread than with every job split in two; the paper's net at batch 100 needs the split).
const PARALLEL_FLOPS = 32e6;
const PARALLEL_ELEMENTS = 1 << 19;

let pool: SimdPool | null = null;
/** the backend's other kernels, wrapped to copy deferred inputs out first (simd-arena.ts) */
const flushing = new KernelSwap(BACKEND);

// ---------------------------------------------------------------------------------------------
// convolutions

/** Pixels per chunk: about `targetFloats` of im2col columns, which stay in L2 beside the filter. */
function chunkRows(columns: number, targetFloats: number): number {
  return Math.max(ROW_UNIT, Math.floor(targetFloats / Math.max(columns, 1) / ROW_UNIT) * ROW_UNIT);
}

/** Writes the job's operation, geometry and chunk words (wasm/assembly/conv.ts lists them). */
function convJob(p: SimdPool, op: number, c: tf.backend_util.Conv2DInfo, chunk: number): void {
  const w = p.jobWords;
  w[0] = op;
  w[1] = c.batchSize; w[2] = c.inHeight; w[3] = c.inWidth; w[4] = c.inChannels;
  w[5] = c.filterHeight; w[6] = c.filterWidth; w[7] = c.outChannels; w[8] = c.outHeight; w[9] = c.outWidth;
  w[10] = c.strideHeight; w[11] = c.strideWidth; w[12] = c.dilationHeight; w[13] = c.dilationWidth;
  w[14] = c.padInfo.top; w[15] = c.padInfo.left;
  w[21] = chunk;
}

function runConv(backend: BackendWasm, op: number, { c, first, second, outShape }: ConvCall, chunk: number): Info {
  const p = pool!;
  const columns = c.filterHeight * c.filterWidth * c.inChannels;
  // per thread (wasm/assembly/conv.ts): edge-tile spill, a packed operand (the filter, or a
  // chunk of dy), a chunk of im2col columns
  const packed = (rows: number, cols: number) => rows * Math.ceil(cols / 8) * 8;
  const co = c.outChannels;
  const floats = Math.max(packed(columns, co), packed(co, columns), packed(chunk, co)) + chunk * columns;
  const perThread = Math.ceil((SPILL_BYTES + floats * 4 + SLACK_BYTES) / 16) * 16;
  return withArena(() => {
    const layout = new Layout(backend, [first, second]);
    const a = layout.input(first);
    const b = layout.input(second);
    const out = layout.take(size(outShape) * 4);
    const scratch = layout.scratch(perThread * p.threads);
    layout.commit(p);
    convJob(p, op, c, chunk);
    const w = p.jobWords;
    w[16] = a; w[17] = b; w[18] = out; w[19] = scratch; w[20] = perThread;
    p.run(2 * c.batchSize * c.outHeight * c.outWidth * columns * co < PARALLEL_FLOPS);
    const result = layout.output(outShape, out);
    layout.finish();
    return result;
  });
}

/**
 * A convolution kernel: `chunk` pixels of im2col columns per piece (for the filter gradient the
 * sgemm's K, long enough that each tile of C is loaded and stored rarely).
 */
function convKernel(name: ConvKernelName, op: number, chunk: (columns: number) => number): Kernel {
  return (args) => {
    const call = convCall(name, args);
    if (!call) return provider.fallback(name, args);
    const { c } = call;
    return runConv(args.backend, op, call, chunk(c.filterHeight * c.filterWidth * c.inChannels));
  };
}

// ---------------------------------------------------------------------------------------------
// batch norm + ReLU

/** Rows per piece of the channel sums: from the shape only, so sums do not depend on threads. */
function pieceRowsOf(rows: number, channels: number): number {
  const pieces = Math.min(16, Math.max(1, Math.floor((rows * channels) / (1 << 15))));
  return Math.max(1, Math.ceil(rows / pieces));
}

function bnJob(p: SimdPool, op: number, rows: number, channels: number, pointers: number[]): void {
  const w = p.jobWords;
  const pieceRows = pieceRowsOf(rows, channels);
  w[0] = op; w[1] = rows; w[2] = channels; w[3] = pieceRows; w[4] = Math.ceil(rows / pieceRows);
  pointers.forEach((at, i) => (w[5 + i] = at));
}

/** The pieces' channel sums, added in order and divided by rows: two f64 arrays of means. */
function pieceMeans(p: SimdPool, partial: number, rows: number, channels: number, out: number): [Float64Array, Float64Array] {
  const pieces = Math.ceil(rows / pieceRowsOf(rows, channels));
  p.exports.pieceMeans(partial, pieces, rows, channels, out, out + channels * 8);
  return [p.f64.slice(out >> 3, (out >> 3) + channels), p.f64.slice((out >> 3) + channels, (out >> 3) + 2 * channels)];
}

const fround = Math.fround;

function bnRelu(args: KernelArgs): Info | Info[] {
  const { x } = args.inputs as { x: Info };
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  const { rows, channels } = channelGeometry(LABEL, x, BN_RELU);
  const { backend } = args;
  const p = pool!;
  return withArena(() => {
    const layout = new Layout(backend, [x]);
    const z = layout.input(x);
    const y = layout.take(rows * channels * 4);
    const partial = layout.scratch(16 * 2 * channels * 8);
    const means = layout.scratch(2 * channels * 8);
    const mean = layout.take(channels * 4);
    const rstd = layout.take(channels * 4);
    layout.commit(p);
    bnJob(p, OP.MOMENTS, rows, channels, [z, partial]);
    if (rows > 0) p.run(rows * channels < PARALLEL_ELEMENTS);
    const [m1, m2] = rows > 0 ? pieceMeans(p, partial, rows, channels, means) : [new Float64Array(channels).fill(NaN), new Float64Array(channels).fill(NaN)];
    const f32 = p.f32;
    const eps = fround(epsilon);
    for (let c = 0; c < channels; c++) {
      const m = m1[c]!;
      const variance = Math.max(0, m2[c]! - m * m);
      f32[(mean >> 2) + c] = m;
      // as the composed ops do it: rsqrt of the float32 variance plus epsilon
      f32[(rstd >> 2) + c] = fround(1 / fround(Math.sqrt(fround(fround(variance) + eps))));
    }
    bnJob(p, OP.NORMALIZE_RELU, rows, channels, [z, mean, rstd, y]);
    if (rows > 0) p.run(rows * channels < PARALLEL_ELEMENTS);
    const outs = [layout.output(x.shape, y), layout.output([channels], mean), layout.output([channels], rstd)];
    layout.finish();
    return outs;
  });
}

function bnReluGrad(args: KernelArgs): Info | Info[] {
  const { dy, x, mean, rstd } = args.inputs as { dy: Info; x: Info; mean: Info; rstd: Info };
  const { rows, channels } = channelGeometry(LABEL, x, BN_RELU_GRAD);
  checkBnReluGrad(LABEL, BN_RELU_GRAD, { dy, x, mean, rstd }, channels);
  const { backend } = args;
  if (rows === 0) return backend.makeOutput(x.shape, 'float32');
  const p = pool!;
  return withArena(() => {
    const layout = new Layout(backend, [dy, x, mean, rstd]);
    const g = layout.input(dy);
    const z = layout.input(x);
    const m = layout.input(mean);
    const s = layout.input(rstd);
    const dz = layout.take(rows * channels * 4);
    const partial = layout.scratch(16 * 2 * channels * 8);
    const means = layout.scratch(2 * channels * 8);
    const meanG = layout.scratch(channels * 4);
    const meanGx = layout.scratch(channels * 4);
    layout.commit(p);
    bnJob(p, OP.GRAD_MOMENTS, rows, channels, [g, z, m, s, partial]);
    p.run(rows * channels < PARALLEL_ELEMENTS);
    const [sumG, sumGx] = pieceMeans(p, partial, rows, channels, means);
    const f32 = p.f32;
    for (let c = 0; c < channels; c++) {
      f32[(meanG >> 2) + c] = sumG[c]!;
      f32[(meanGx >> 2) + c] = sumGx[c]!;
    }
    bnJob(p, OP.GRAD_APPLY, rows, channels, [g, z, m, s, meanG, meanGx, dz]);
    p.run(rows * channels < PARALLEL_ELEMENTS);
    const out = layout.output(x.shape, dz);
    layout.finish();
    return out;
  });
}

function normalizeReluKernel(args: KernelArgs): Info | Info[] {
  const { x, mean, variance } = args.inputs as { x: Info; mean: Info; variance: Info };
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  const { rows, channels } = channelGeometry(LABEL, x, NORMALIZE_RELU);
  checkNormalizeRelu(LABEL, NORMALIZE_RELU, mean, variance, channels);
  const { backend } = args;
  const p = pool!;
  return withArena(() => {
    const layout = new Layout(backend, [x, mean]);
    const z = layout.input(x);
    const shift = layout.input(mean);
    const y = layout.take(rows * channels * 4);
    const scale = layout.scratch(channels * 4);
    layout.commit(p);
    const f32 = p.f32;
    const heap = heapF32(backend);
    const v = offsetOf(backend, variance) >> 2;
    const eps = fround(epsilon);
    for (let c = 0; c < channels; c++) f32[(scale >> 2) + c] = fround(1 / fround(Math.sqrt(fround(heap[v + c]! + eps))));
    bnJob(p, OP.NORMALIZE_RELU, rows, channels, [z, shift, scale, y]);
    if (rows > 0) p.run(rows * channels < PARALLEL_ELEMENTS);
    const out = layout.output(x.shape, y);
    layout.finish();
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// registration

const KERNELS: Record<string, Kernel> = {
  Conv2D: convKernel('Conv2D', OP.CONV_FORWARD, (columns) => chunkRows(columns, 1 << 15)),
  Conv2DBackpropInput: convKernel('Conv2DBackpropInput', OP.CONV_INPUT_GRADIENT, (columns) => chunkRows(columns, 1 << 15)),
  Conv2DBackpropFilter: convKernel('Conv2DBackpropFilter', OP.CONV_FILTER_GRADIENT, (columns) => Math.min(512, chunkRows(columns, 1 << 17))),
  [BN_RELU]: bnRelu,
  [BN_RELU_GRAD]: bnReluGrad,
  [NORMALIZE_RELU]: normalizeReluKernel,
};

export const SIMD_KERNEL_NAMES: readonly string[] = Object.keys(KERNELS);

/**
 * Kernels that hand on their input's data under the same dataId without reading it, so that a
 * deferred input stays deferred: the wasm backend's Reshape and our Identity (js-kernels.ts).
 */
function sharesData(config: tf.KernelConfig): boolean {
  return config.kernelName === 'Reshape' || sharesInputData(config);
}

let readSyncPatched: { backend: BackendWasm; original: BackendWasm['readSync'] } | null = null;

function register(): void {
  provider.swap.install(KERNELS as unknown as Record<string, tf.KernelFunc>);
  const others = tf.getKernelsForBackend(BACKEND).filter((c) => !(c.kernelName in KERNELS) && !sharesData(c));
  flushing.install(Object.fromEntries(others.map((config) => {
    const original = config.kernelFunc as unknown as Kernel;
    const kernelFunc = ((args: KernelArgs) => {
      flushInputs(args.inputs);
      return original(args);
    }) as unknown as tf.KernelFunc;
    return [config.kernelName, kernelFunc];
  })));
  if (!readSyncPatched) {
    const backend = tf.findBackend(BACKEND) as BackendWasm;
    const original = backend.readSync;
    backend.readSync = function (this: BackendWasm, dataId, start, end) {
      flush(dataId);
      return original.call(this, dataId, start, end);
    };
    readSyncPatched = { backend, original };
  }
}

function unregister(): void {
  releaseAll();
  flushing.restore();
  if (readSyncPatched) {
    readSyncPatched.backend.readSync = readSyncPatched.original;
    readSyncPatched = null;
  }
}

export function simdThreads(): number {
  return envThreads('LANDSCAPE_SIMD_THREADS');
}

function loadPool(): void {
  if (pool) return;
  const bytes = readFileSync(simdKernelsFile());
  // a module that needs relaxed SIMD (LANDSCAPE_SIMD_MODULE pointing at one) gets it turned on too
  compilesHere(bytes);
  const module = new WebAssembly.Module(bytes);
  const exported = WebAssembly.Module.exports(module).map((e) => e.name);
  for (const name of ['work', 'pieceMeans']) {
    if (!exported.includes(name)) throw new Error(`the module has no '${name}' export (stale build? run npm run install)`);
  }
  const spin = envNumber('LANDSCAPE_SIMD_SPIN_US', 1000, (n) => Number.isFinite(n) && n >= 0);
  pool = new SimdPool(module, simdThreads(), spin);
  useArenaOf(pool);
}

const provider = new WasmKernelProvider<SimdDetails>({
  label: LABEL,
  kernels: 'wasm-simd',
  variable: 'LANDSCAPE_SIMD',
  setting: simdSetting,
  instead: "using the wasm backend's own kernels (XNNPACK)",
  missing: () => (simdKernelsBuilt() ? null : `no ${process.env.LANDSCAPE_SIMD_MODULE?.trim() || SIMD_KERNELS_PATH}; npm install builds it`),
  load: loadPool,
  install: register,
  uninstall: unregister,
  // a convolution with odd sizes, both its gradients and the fused batch norm + ReLU
  selfTest: () => convSelfTest([3, 7, 6, 5], [3, 3, 5, 9], (y) => [batchNormRelu(y, 1e-5)]),
  selfTestNames: [...CONV_SELF_TEST_NAMES, 'batch norm + ReLU'],
  details: () => ({ threads: pool!.threads, fma: pool!.exports.FMA?.value === 1 }),
  // a deferred input is copied into the backend's heap first (simd-arena.ts)
  beforeFallback: (_name, args) => flushInputs(args.inputs),
});

/**
 * Replaces the 'wasm' backend's convolutions (and adds the fused batch norm kernels) when the
 * module is built and passes its self-test; otherwise leaves them and says why in `notice`.
 * Call with 'wasm' active and without the native provider. Throws only for LANDSCAPE_SIMD=1.
 */
export function activateSimdKernels(): SimdStatus {
  return provider.activate();
}

/** Puts back the kernels that were replaced; for tests and benchmarks. */
export function deactivateSimdKernels(): void {
  provider.deactivate();
}

export function simdStatus(): SimdStatus {
  return provider.status;
}
