/**
 * Fast conv2d gradients for the tfjs 'wasm' backend.
 *
 * The wasm backend ships no Conv2DBackpropFilter kernel and a naive scalar
 * Conv2DBackpropInput, while its forward Conv2D (XNNPACK) is an order of
 * magnitude faster. Both gradients are rewritten here as forward convolutions:
 *
 *  - filter gradient: the batch becomes the reduction axis. With x transposed
 *    to [Ci, H, W, N] and dy to [OH, OW, N, Co], a stride-1 conv whose
 *    dilation equals the forward stride yields [Ci, KH, KW, Co], i.e. dW
 *    transposed. The dilation stands in for zero-insertion, so no work is
 *    spent on zeros.
 *  - input gradient: a transposed convolution, split into its stride_h *
 *    stride_w output phases. Each phase is a stride-1 conv of the undilated
 *    dy with a sub-filter (every stride-th tap, reversed, in/out channels
 *    swapped), scattered into its strided rows/columns of dx. Compared with
 *    convolving a zero-dilated dy this does stride^2 times less work and
 *    materialises no dilated copy; for stride 1 it is a single conv.
 *
 * Kernels are composed from the backend's own registered kernel functions
 * called on TensorInfos (never wrapped as Tensors, so the caller's refcounts
 * are untouched) plus a few copies written straight into wasm memory; every
 * intermediate is freed with disposeData, also when a step throws.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;
type Shape4 = [number, number, number, number];
type ExplicitPads = [[number, number], [number, number], [number, number], [number, number]];
type RawKernel = (args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}) => Info;

const BACKEND = 'wasm';

/** The wasm backend's own kernels that the gradients are built from. */
interface WasmOps {
  conv2d: RawKernel;
  transpose: RawKernel;
}

let ops: WasmOps | null = null;

function rawKernel(name: string): RawKernel {
  const config = tf.getKernel(name, BACKEND);
  if (config === undefined) {
    throw new Error(`wasm-kernels: the wasm backend has no '${name}' kernel`);
  }
  return config.kernelFunc as unknown as RawKernel;
}

/** Intermediates of one kernel call; released together, also on throw. */
class Scratch {
  private readonly held: Info[] = [];
  private readonly backend: BackendWasm;

  constructor(backend: BackendWasm) {
    this.backend = backend;
  }

  keep(info: Info): Info {
    this.held.push(info);
    return info;
  }

  /** Frees one intermediate early (keeps peak wasm memory down). */
  drop(info: Info): void {
    const i = this.held.indexOf(info);
    if (i >= 0) this.held.splice(i, 1);
    this.backend.disposeData(info.dataId);
  }

  release(): void {
    for (const info of this.held) this.backend.disposeData(info.dataId);
    this.held.length = 0;
  }
}

function float32Heap(backend: BackendWasm, info: Info): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

function requireNHWC(dataFormat: string | undefined, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`wasm-kernels: ${kernel} supports only NHWC, got '${dataFormat}'`);
  }
}

function requireFloat32(info: Info, what: string): void {
  if (info.dtype !== 'float32') {
    throw new Error(`wasm-kernels: ${what} must be float32, got ${info.dtype}`);
  }
}

function conv(
  backend: BackendWasm,
  x: Info,
  filter: Info,
  pads: ExplicitPads,
  dilations: [number, number] = [1, 1],
): Info {
  // Explicit padding keeps XNNPACK on its plain (non-TF-SAME) path with
  // exactly the borders computed here.
  return ops!.conv2d({
    inputs: { x, filter },
    backend,
    attrs: { strides: [1, 1], pad: pads, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap,
  });
}

function transpose(backend: BackendWasm, x: Info, perm: number[]): Info {
  return ops!.transpose({ inputs: { x }, backend, attrs: { perm } });
}

/**
 * x[:, :h, :w, :] copied row by row straight from the heap (the wasm Slice
 * kernel would first read the whole tensor out into JS).
 */
function cropTrailing(backend: BackendWasm, x: Info, h: number, w: number): Info {
  const [n, xh, xw, c] = x.shape as Shape4;
  const out = backend.makeOutput([n, h, w, c], 'float32');
  // Views taken after the allocation: heap growth detaches older ones.
  const dst = float32Heap(backend, out);
  const src = float32Heap(backend, x);
  const rowLen = w * c;
  for (let b = 0, d = 0; b < n; b++) {
    for (let i = 0; i < h; i++, d += rowLen) {
      const s = (b * xh + i) * xw * c;
      dst.set(src.subarray(s, s + rowLen), d);
    }
  }
  return out;
}

/** Conv geometry of the forward op, as tfjs itself resolves pad/rounding. */
function forwardInfo(
  xShape: Shape4,
  filterShape: Shape4,
  strides: [number, number] | number,
  pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
}

// ---------------------------------------------------------------------------
// Conv2DBackpropFilter

function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}): Info {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number;
    dataFormat?: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: Shape4;
  };
  const x = inputs.x!;
  const dy = inputs.dy!;
  requireNHWC(attrs.dataFormat, 'Conv2DBackpropFilter');
  requireFloat32(x, 'x');
  requireFloat32(dy, 'dy');

  const [, h, w] = x.shape as Shape4;
  const [, oh, ow] = dy.shape as Shape4;
  const info = forwardInfo(x.shape as Shape4, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Padding after the input so the dilated "filter" (dy) fits exactly kh x kw
  // times; negative means trailing input rows/cols the forward conv never read.
  let bottom = kh + (oh - 1) * sh - h - top;
  let right = kw + (ow - 1) * sw - w - left;

  const scratch = new Scratch(backend);
  try {
    let src = x;
    if (bottom < 0 || right < 0) {
      src = scratch.keep(cropTrailing(backend, x, h + Math.min(bottom, 0), w + Math.min(right, 0)));
      bottom = Math.max(bottom, 0);
      right = Math.max(right, 0);
    }
    // Batch becomes the channel (reduction) axis of both operands.
    const xT = scratch.keep(transpose(backend, src, [3, 1, 2, 0])); // [Ci, H, W, N]
    const dyT = scratch.keep(transpose(backend, dy, [1, 2, 0, 3])); // [OH, OW, N, Co]
    const pads: ExplicitPads = [[0, 0], [top, bottom], [left, right], [0, 0]];
    const dwT = scratch.keep(conv(backend, xT, dyT, pads, [sh, sw])); // [Ci, KH, KW, Co]
    return transpose(backend, dwT, [1, 2, 0, 3]);
  } finally {
    scratch.release();
  }
}

// ---------------------------------------------------------------------------
// Conv2DBackpropInput

/**
 * One output phase along one spatial axis of the transposed convolution.
 * dx row i = q*stride + phase - padTop (q integer) only receives kernel taps
 * k = phase + stride*m, from dy row q - m. So each phase is an ordinary
 * stride-1 correlation of the undilated dy with every stride-th tap reversed:
 * no zero-insertion and no multiplications by inserted zeros.
 */
interface Phase {
  taps: number; // kernel taps of this phase (0: the phase gets no contribution)
  padBefore: number; // zero rows before dy in the phase conv
  padAfter: number;
  skip: number; // leading rows of the phase conv output not in dx
  first: number; // first dx row of this phase
  count: number; // dx rows of this phase (every stride-th from first)
}

function planPhase(inLen: number, dyLen: number, k: number, stride: number, before: number, phase: number): Phase {
  const taps = phase < k ? Math.ceil((k - phase) / stride) : 0;
  const qFirst = Math.ceil((before - phase) / stride);
  const qLast = Math.floor((inLen - 1 + before - phase) / stride);
  const count = Math.max(qLast - qFirst + 1, 0);
  const padBefore = taps - 1 - qFirst;
  const padAfter = count - dyLen - padBefore + taps - 1;
  // A negative pad (explicit padding wider than the kernel) is realised by
  // computing the extra rows and skipping them in the scatter.
  return {
    taps,
    padBefore: Math.max(padBefore, 0),
    padAfter: Math.max(padAfter, 0),
    skip: Math.max(-padBefore, 0),
    first: qFirst * stride + phase - before,
    count,
  };
}

/**
 * Filter of one (ph, pw) phase: taps phase + stride*(taps-1-j) of each axis
 * (reversed), in/out channels swapped. Shape [ph.taps, pw.taps, Co, Ci].
 */
function phaseFilter(backend: BackendWasm, filter: Info, ph: Phase, pw: Phase, rh: number, rw: number, sh: number, sw: number): Info {
  const [, kw, ci, co] = filter.shape as Shape4;
  const out = backend.makeOutput([ph.taps, pw.taps, co, ci], 'float32');
  // Views taken after the allocation: heap growth detaches older ones.
  const dst = float32Heap(backend, out);
  const src = float32Heap(backend, filter);
  let o = 0;
  for (let j1 = 0; j1 < ph.taps; j1++) {
    const fh = rh + sh * (ph.taps - 1 - j1);
    for (let j2 = 0; j2 < pw.taps; j2++) {
      const fw = rw + sw * (pw.taps - 1 - j2);
      const base = (fh * kw + fw) * ci * co;
      for (let c = 0; c < co; c++) {
        for (let i = 0, s = base + c; i < ci; i++, s += co) dst[o++] = src[s]!;
      }
    }
  }
  return out;
}

/** Writes a phase conv output into its strided rows/columns of dx. */
function scatterPhase(backend: BackendWasm, dx: Info, part: Info, ph: Phase, pw: Phase, sh: number, sw: number): void {
  const [n, h, w, c] = dx.shape as Shape4;
  const [, partH, partW] = part.shape as Shape4;
  const dst = float32Heap(backend, dx);
  const src = float32Heap(backend, part);
  const rowLen = pw.count * c;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ph.count; i++) {
      let s = ((b * partH + ph.skip + i) * partW + pw.skip) * c;
      let d = ((b * h + ph.first + i * sh) * w + pw.first) * c;
      if (sw === 1) {
        dst.set(src.subarray(s, s + rowLen), d);
        continue;
      }
      for (let j = 0; j < pw.count; j++, s += c, d += sw * c) {
        // subarray+set is a memcpy but costs an allocation; short runs loop.
        if (c >= 32) dst.set(src.subarray(s, s + c), d);
        else for (let k = 0; k < c; k++) dst[d + k] = src[s + k]!;
      }
    }
  }
}

function conv2dBackpropInput(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}): Info {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number;
    dataFormat?: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: Shape4;
  };
  const dy = inputs.dy!;
  const filter = inputs.filter!;
  requireNHWC(attrs.dataFormat, 'Conv2DBackpropInput');
  requireFloat32(dy, 'dy');
  requireFloat32(filter, 'filter');

  const [n, h, w, ci] = attrs.inputShape;
  const [, oh, ow] = dy.shape as Shape4;
  const info = forwardInfo(attrs.inputShape, filter.shape as Shape4, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const rowPhases = Array.from({ length: sh }, (_, r) => planPhase(h, oh, kh, sh, info.padInfo.top, r));
  const colPhases = Array.from({ length: sw }, (_, r) => planPhase(w, ow, kw, sw, info.padInfo.left, r));

  const scratch = new Scratch(backend);
  let dx: Info | null = null;
  try {
    for (let rh = 0; rh < sh; rh++) {
      for (let rw = 0; rw < sw; rw++) {
        const ph = rowPhases[rh]!;
        const pw = colPhases[rw]!;
        if (ph.count === 0 || pw.count === 0 || ph.taps === 0 || pw.taps === 0) continue;
        const g = scratch.keep(phaseFilter(backend, filter, ph, pw, rh, rw, sh, sw));
        const pads: ExplicitPads = [[0, 0], [ph.padBefore, ph.padAfter], [pw.padBefore, pw.padAfter], [0, 0]];
        const part = conv(backend, dy, g, pads);
        const [, partH, partW] = part.shape as Shape4;
        if (sh === 1 && sw === 1 && ph.skip === 0 && pw.skip === 0 && partH === h && partW === w) {
          return part; // stride 1 with ordinary padding: the conv output is dx
        }
        scratch.keep(part);
        if (dx === null) {
          dx = backend.makeOutput([n, h, w, ci], 'float32');
          // Phases with no kernel taps (kernel smaller than stride) stay zero.
          if (rowPhases.some((p) => p.taps === 0 && p.count > 0) || colPhases.some((p) => p.taps === 0 && p.count > 0)) {
            float32Heap(backend, dx).fill(0);
          }
        }
        scatterPhase(backend, dx, part, ph, pw, sh, sw);
        scratch.drop(part);
        scratch.drop(g);
      }
    }
    if (dx === null) {
      // No tap reaches dx at all: the gradient is zero.
      dx = backend.makeOutput([n, h, w, ci], 'float32');
      float32Heap(backend, dx).fill(0);
    }
    const result = dx;
    dx = null;
    return result;
  } catch (e) {
    if (dx !== null) backend.disposeData(dx.dataId);
    throw e;
  } finally {
    scratch.release();
  }
}

// ---------------------------------------------------------------------------
// Registration

const filterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: BACKEND,
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};

const inputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: BACKEND,
  kernelFunc: conv2dBackpropInput as unknown as tf.KernelFunc,
};

function isOurs(config: tf.KernelConfig): boolean {
  return tf.getKernel(config.kernelName, BACKEND)?.kernelFunc === config.kernelFunc;
}

/**
 * Registers Conv2DBackpropFilter and Conv2DBackpropInput for 'wasm' built on
 * the backend's fast forward Conv2D. Safe to call repeatedly.
 */
export function registerWasmConvGradients(): void {
  if (isOurs(filterConfig) && isOurs(inputConfig)) return;
  ops = {
    conv2d: rawKernel('Conv2D'),
    transpose: rawKernel('Transpose'),
  };
  for (const config of [filterConfig, inputConfig]) {
    if (isOurs(config)) continue;
    // Unregister first: the naive Conv2DBackpropInput (and any other) is
    // replaced, and registerKernel would warn about a duplicate.
    if (tf.getKernel(config.kernelName, BACKEND) !== undefined) {
      tf.unregisterKernel(config.kernelName, BACKEND);
    }
    tf.registerKernel(config);
  }
}

/** Makes 'wasm' the active backend, with the fast conv gradients in place. */
export async function selectWasm(): Promise<void> {
  if (!(await tf.setBackend(BACKEND))) {
    throw new Error('wasm-kernels: the wasm backend failed to initialise');
  }
  await tf.ready();
  registerWasmConvGradients();
}
