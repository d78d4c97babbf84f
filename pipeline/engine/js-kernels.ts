// Kernels for the 'wasm' backend in plain TypeScript, used on both engine paths (with and
// without the native addon; the native provider replaces Tile with its own):
//  - Identity and same-dtype Cast share the input's buffer, where the wasm backend copies it
//    (tfjs's gradients call them on every activation);
//  - Tile that only repeats size-1 dimensions (a broadcast) is a memmove-speed copy, where the
//    wasm backend's Tile is slow;
//  - with it, the gradients of Sum and Mean broadcast the incoming gradient (dy, or dy / n),
//    where tfjs-core multiplies it by a ones tensor built in JS and copied into the heap;
//  - Sum and Mean over one run of axes (batch norm's per-channel statistics) in one pass with
//    double accumulators, where the wasm backend first transposes the reduced axes to the end.
// Same values bit for bit for all but Sum and Mean (dy * 1 = dy; copies), which round once
// from double instead of accumulating in float; fewer passes over the data.
// (Fused batch norm in plain TypeScript was tried and is slower than the composed wasm ops:
// about 7 ns an element against XNNPACK's SIMD; the npm-only path's fused batch norm is in the
// SIMD wasm kernels instead, simd-kernels.ts.)
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap };
type Kernel = (args: KernelArgs) => Info | Info[];

const BACKEND = 'wasm';

// ---------------------------------------------------------------------------------------------
// buffer sharing

function identity(args: KernelArgs): Info | Info[] {
  const { x } = args.inputs as { x: Info };
  if (x.dtype === 'string') return original('Identity')(args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function cast(args: KernelArgs): Info | Info[] {
  const { x } = args.inputs as { x: Info };
  const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
  if (x.dtype !== dtype || dtype === 'string') return original('Cast')(args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

// ---------------------------------------------------------------------------------------------
// Sum and Mean over one run of axes (batch norm's per-channel statistics, and their gradients'
// reductions): the wasm backend transposes the reduced axes to the end first

/** [outer, reduce, inner] when the reduced axes (ignoring size-1 dims) are one contiguous run. */
export function reductionPlan(shape: number[], axes: number[]): { outer: number; reduce: number; inner: number } | null {
  const reduced = new Set(axes);
  let outer = 1, reduce = 1, inner = 1;
  let phase = 0; // 0: before the run, 1: inside it, 2: after it
  for (let d = 0; d < shape.length; d++) {
    const s = shape[d]!;
    if (s === 1) continue;
    if (reduced.has(d)) {
      if (phase === 2) return null;
      phase = 1;
      reduce *= s;
    } else if (phase === 0) {
      outer *= s;
    } else {
      phase = 2;
      inner *= s;
    }
  }
  return { outer, reduce, inner };
}

function reduceKernel(name: 'Sum' | 'Mean'): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: Info };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    if (x.dtype !== 'float32') return original(name)(args);
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const plan = reductionPlan(x.shape, axes);
    if (!plan) return original(name)(args);
    const [reducedShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const { backend } = args;
    const out = backend.makeOutput(keepDims ? tf.backend_util.expandShapeToKeepDim(reducedShape, axes) : reducedShape, 'float32');
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    const { outer, reduce: R, inner: I } = plan;
    const scale = name === 'Mean' ? 1 / R : 1;
    const acc = new Float64Array(I);
    for (let o = 0; o < outer; o++) {
      acc.fill(0);
      const base = o * R * I;
      let r = 0;
      // four rows at a time (pairs added in double first: a fixed order, fewer dependent adds)
      for (; r + 4 <= R; r += 4) {
        const b = base + r * I;
        for (let i = 0; i < I; i++) acc[i] += (src[b + i]! + src[b + I + i]!) + (src[b + 2 * I + i]! + src[b + 3 * I + i]!);
      }
      for (; r < R; r++) {
        const b = base + r * I;
        for (let i = 0; i < I; i++) acc[i] += src[b + i]!;
      }
      for (let i = 0; i < I; i++) dst[o * I + i] = R === 0 && name === 'Mean' ? NaN : acc[i]! * scale;
    }
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// broadcast as Tile, and the gradients of Sum and Mean

function tile(args: KernelArgs): Info | Info[] {
  const { x } = args.inputs as { x: Info };
  const { reps } = args.attrs as unknown as { reps: number[] };
  const rank = x.shape.length;
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || reps.length !== rank || reps.some((r, d) => r !== 1 && x.shape[d] !== 1)) {
    return original('Tile')(args);
  }
  const outShape = x.shape.map((s, d) => s * reps[d]!);
  const { backend } = args;
  const out = backend.makeOutput(outShape, x.dtype);
  // views after the allocation (heap growth replaces the buffer)
  const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  if (dst.length === 0) return out;
  const outStride = new Array<number>(rank + 1).fill(1);
  const srcStride = new Array<number>(rank + 1).fill(1);
  for (let d = rank - 1; d >= 0; d--) {
    outStride[d] = outStride[d + 1]! * outShape[d]!;
    srcStride[d] = srcStride[d + 1]! * x.shape[d]!;
  }
  // from which dimension on nothing is broadcast (a plain copy)
  let plainFrom = rank;
  while (plainFrom > 0 && reps[plainFrom - 1] === 1) plainFrom--;
  const fill = (d: number, s: number, o: number): void => {
    if (d >= plainFrom) {
      dst.set(src.subarray(s, s + srcStride[d]!), o);
      return;
    }
    const n = outShape[d]!;
    const block = outStride[d + 1]!;
    if (reps[d] === 1) {
      for (let i = 0; i < n; i++) fill(d + 1, s + i * srcStride[d + 1]!, o + i * block);
      return;
    }
    fill(d + 1, s, o);
    // doubling copies of the first block
    for (let filled = block; filled < n * block; filled *= 2) dst.copyWithin(o + filled, o, o + Math.min(filled, n * block - filled));
  };
  fill(0, 0, 0);
  return out;
}

function reductionGradient(kernelName: 'Sum' | 'Mean'): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[];
      const axes = tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x!.shape);
      const expandedShape = x!.shape.slice();
      for (const axis of axes) expandedShape[axis] = 1;
      const reduceSize = axes.reduce((n, axis) => n * x!.shape[axis]!, 1);
      return {
        x: () => {
          const expanded = tf.reshape(dy as tf.Tensor, expandedShape);
          return tf.broadcastTo(kernelName === 'Mean' ? tf.div(expanded, reduceSize) : expanded, x!.shape);
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// registration

export const JS_KERNELS: Record<string, Kernel> = {
  Identity: identity,
  Cast: cast,
  Tile: tile,
  Sum: reduceKernel('Sum'),
  Mean: reduceKernel('Mean'),
};

const gradients = { Sum: reductionGradient('Sum'), Mean: reductionGradient('Mean') };
const originals = new Map<string, tf.KernelConfig | undefined>();
const registered = new Map<string, tf.KernelFunc>();

function original(name: string): Kernel {
  const config = originals.get(name);
  if (!config) throw new Error(`js kernels: no wasm kernel '${name}' to fall back to`);
  return config.kernelFunc as unknown as Kernel;
}

/**
 * Whether the kernel registered on 'wasm' under this name is our Identity, which hands on its
 * input's buffer (same dataId) without reading it. The wasm backend's own Identity copies.
 */
export function sharesInputData(config: tf.KernelConfig): boolean {
  return config.kernelName === 'Identity' && config.kernelFunc === registered.get('Identity');
}

/**
 * Registers the kernels above on 'wasm', and the gradients of Sum and Mean (global, for every
 * backend: the same values); idempotent.
 */
export function registerJsKernels(): void {
  for (const [name, kernel] of Object.entries(JS_KERNELS)) {
    const current = tf.getKernel(name, BACKEND);
    if (current && current.kernelFunc === registered.get(name)) continue;
    if (!originals.has(name)) originals.set(name, current);
    if (current) tf.unregisterKernel(name, BACKEND);
    const kernelFunc = kernel as unknown as tf.KernelFunc;
    registered.set(name, kernelFunc);
    tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc });
  }
  for (const name of ['Sum', 'Mean'] as const) {
    if (tf.getGradient(name)?.gradFunc !== gradients[name].gradFunc) tf.registerGradient(gradients[name]);
  }
}
