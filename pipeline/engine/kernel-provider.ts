// The skeleton of a kernel provider on 'wasm', shared by native-kernels.ts (the OpenBLAS addon)
// and simd-kernels.ts (our SIMD wasm module), which add only their kernels and how they load:
//  - the switch: off (LANDSCAPE_<X>=0), required (=1: not loading is an error), or auto;
//  - activation: load the binary, compute a self-test with the kernels about to be replaced,
//    install ours, compute it again and compare; keep ours only when they agree, else put the
//    replaced kernels back and say why in one line (`notice`);
//  - a call our kernels do not cover goes to the kernel it replaced (`fallback`);
//  - which convolution calls they cover (float32, NHWC, a non-empty result) and their geometry;
//  - the shape checks of the fused batch norm + ReLU ops (batch-norm-relu.ts), which have no
//    kernel to fall back to.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelProvider } from './fingerprint.ts';
import { compareSelfTest, KernelSwap } from './kernel-swap.ts';

export type Info = tf.TensorInfo;
export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap };
export type Kernel = (args: KernelArgs) => Info | Info[];
export type Shape4 = [number, number, number, number];

const BACKEND = 'wasm';

export interface ProviderStatus {
  /** the kernels in use on 'wasm': this provider's when active, else the wasm backend's own */
  kernels: KernelProvider;
  active: boolean;
  /** one line, set when the provider is off, missing or broken (why other kernels are used) */
  notice: string | null;
  /** kernel names replaced on 'wasm' */
  replaced: string[];
}

export interface ProviderHooks<Details extends object> {
  /** how messages name the provider: 'native kernels', 'simd kernels' */
  label: string;
  /** the `kernels` of the engine fingerprint while it is active */
  kernels: KernelProvider;
  /** its switch, e.g. LANDSCAPE_NATIVE */
  variable: string;
  setting(): 'off' | 'auto' | 'required';
  /** what serves instead, ending every notice: "using the npm-only wasm path" */
  instead: string;
  /** null when the binary is there; else what is missing and how to build it */
  missing(): string | null;
  /** loads the binary; throws when it is broken */
  load(): void;
  /** registers the kernels (through `provider.swap`) and whatever goes with them */
  install(): void;
  /** undoes what install() did besides the swap (called before the swap is restored) */
  uninstall?(): void;
  /** the self-test's outputs, and their names for messages */
  selfTest(): tf.Tensor[];
  selfTestNames: readonly string[];
  /** what the status adds once active (threads, library build, ...) */
  details(): Details;
  /** called before a call goes to the replaced kernel */
  beforeFallback?(name: string, args: KernelArgs): void;
}

export class WasmKernelProvider<Details extends object> {
  /** our kernels in place of the backend's (kept to delegate to and to restore) */
  readonly swap = new KernelSwap(BACKEND);
  private current = idle<Details>(null);

  constructor(private readonly hooks: ProviderHooks<Details>) {}

  get status(): ProviderStatus & Partial<Details> {
    return this.current;
  }

  /** The call, handed to the kernel that ours replaced. */
  fallback(name: string, args: KernelArgs): Info | Info[] {
    this.hooks.beforeFallback?.(name, args);
    const config = this.swap.original(name);
    if (!config) throw new Error(`${this.hooks.label}: no fallback kernel for ${name} on '${BACKEND}'`);
    return (config.kernelFunc as unknown as Kernel)(args);
  }

  /** Puts back the kernels that were replaced; for tests and benchmarks. */
  deactivate(): void {
    this.hooks.uninstall?.();
    this.swap.restore();
    this.current = { ...this.current, kernels: 'xnnpack', active: false, replaced: [] };
  }

  /**
   * Installs the kernels when the binary is there, loads and passes the self-test; otherwise
   * leaves the backend's and says why in `notice`. Call with 'wasm' active. Throws only when the
   * switch requires the provider.
   */
  activate(): ProviderStatus & Partial<Details> {
    if (this.current.active) return this.current;
    const { label, variable, instead } = this.hooks;
    const setting = this.hooks.setting();
    if (setting === 'off') return this.inactive(`${label} off (${variable}=0): ${instead}`);
    if (tf.getBackend() !== BACKEND) throw new Error(`${label}: the active backend is '${tf.getBackend()}', not '${BACKEND}'`);
    const missing = this.hooks.missing();
    let why: string;
    if (missing) why = `${label} not built (${missing})`;
    else {
      let reference: tf.Tensor[] = [];
      let ours: tf.Tensor[] = [];
      try {
        this.hooks.load();
        reference = this.hooks.selfTest();
        this.hooks.install();
        ours = this.hooks.selfTest();
        compareSelfTest([...this.hooks.selfTestNames], ours, reference);
        this.current = { kernels: this.hooks.kernels, active: true, notice: null, replaced: this.swap.names, ...this.hooks.details() };
        return this.current;
      } catch (error) {
        this.deactivate();
        why = `${label} broken (${firstLine(error)})`;
      } finally {
        tf.dispose([...reference, ...ours]);
      }
    }
    if (setting === 'required') throw new Error(`${variable}=1, but ${why}`);
    return this.inactive(`${why}: ${instead}`);
  }

  private inactive(notice: string): ProviderStatus & Partial<Details> {
    this.current = idle<Details>(notice);
    return this.current;
  }
}

/** The status of a provider not in use: the wasm backend's own kernels serve. */
function idle<Details extends object>(notice: string | null): ProviderStatus & Partial<Details> {
  const status: ProviderStatus = { kernels: 'xnnpack', active: false, notice, replaced: [] };
  // no details while idle: every field of Partial<Details> is absent
  return status as ProviderStatus & Partial<Details>;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.trim();
}

/** A number from the environment when it is set and `valid`, else `fallback`. */
export function envNumber(variable: string, fallback: number, valid: (n: number) => boolean): number {
  const value = Number(process.env[variable] ?? '');
  return process.env[variable]?.trim() && valid(value) ? value : fallback;
}

/** Threads from the environment (a positive integer), else one per core. */
export function envThreads(variable: string): number {
  return envNumber(variable, availableParallelism(), (n) => Number.isInteger(n) && n > 0);
}

// ---------------------------------------------------------------------------------------------
// convolutions

type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
interface ConvAttrs {
  strides: [number, number] | number;
  pad: PadAttr;
  dataFormat?: string;
  dilations?: [number, number] | number;
  dimRoundingMode?: Rounding;
  inputShape?: Shape4;
  filterShape?: Shape4;
}

export type ConvKernelName = 'Conv2D' | 'Conv2DBackpropInput' | 'Conv2DBackpropFilter';

/** A convolution call our kernels cover: its geometry, its two inputs in kernel order, and its result's shape. */
export interface ConvCall {
  c: tf.backend_util.Conv2DInfo;
  /** Conv2D: x, filter; input gradient: dy, filter; filter gradient: x, dy */
  first: Info;
  second: Info;
  outShape: number[];
}

function channelsLast(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

/** The call's geometry, or null for a call to leave to the replaced kernel (other dtypes, NCHW, empty). */
export function convCall(name: ConvKernelName, args: KernelArgs): ConvCall | null {
  const a = args.attrs as unknown as ConvAttrs;
  const inputs = args.inputs as Record<string, Info>;
  const [first, second] =
    name === 'Conv2D' ? [inputs.x!, inputs.filter!] : name === 'Conv2DBackpropInput' ? [inputs.dy!, inputs.filter!] : [inputs.x!, inputs.dy!];
  if (first.dtype !== 'float32' || second.dtype !== 'float32' || !channelsLast(a.dataFormat) || first.shape.length !== 4) return null;
  const xShape = name === 'Conv2DBackpropInput' ? a.inputShape! : (first.shape as Shape4);
  const filterShape = name === 'Conv2DBackpropFilter' ? a.filterShape! : (second.shape as Shape4);
  const dilations = name === 'Conv2D' ? (a.dilations ?? 1) : 1;
  const c = tf.backend_util.computeConv2DInfo(xShape, filterShape, a.strides, dilations, a.pad, a.dimRoundingMode, false, 'channelsLast');
  // empty results and negative padding stay with the replaced kernel
  if (!(c.padInfo.top >= 0 && c.padInfo.left >= 0 && c.outHeight > 0 && c.outWidth > 0 && c.batchSize > 0)) return null;
  const outShape = name === 'Conv2D' ? c.outShape : name === 'Conv2DBackpropInput' ? [...xShape] : [...filterShape];
  return { c, first, second, outShape };
}

export const CONV_SELF_TEST_NAMES = ['conv2d', 'conv2d input gradient', 'conv2d filter gradient'] as const;

/**
 * A convolution (stride 2, 'same') of deterministic inputs of these shapes, both its gradients,
 * and what `more` computes from its result and inputs.
 */
export function convSelfTest(xShape: Shape4, fShape: Shape4, more: (y: tf.Tensor4D, x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor[]): tf.Tensor[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from({ length: xShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37)), xShape);
    const f = tf.tensor4d(Float32Array.from({ length: fShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i * 0.61)), fShape);
    const y = tf.conv2d(x, f, 2, 'same');
    const dy = tf.mul(tf.onesLike(y), tf.reshape(tf.range(0, fShape[3]), [1, 1, 1, fShape[3]]));
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC' };
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: f.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
    return [y, dx, dw, ...more(y, x, f)];
  });
}

// ---------------------------------------------------------------------------------------------
// batch norm + ReLU: the checks of batch-norm-relu.ts's fused ops

export function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Rows (everything but the last dimension) and channels of a float32 tensor of rank >= 2. */
export function channelGeometry(label: string, x: Info, what: string): { rows: number; channels: number } {
  if (x.dtype !== 'float32' || x.shape.length < 2) throw new Error(`${label}: ${what} needs a float32 tensor of rank >= 2`);
  const channels = x.shape[x.shape.length - 1]!;
  return { rows: channels === 0 ? 0 : size(x.shape) / channels, channels };
}

/** The gradient's inputs: dy shaped as x, one mean and one rstd per channel. */
export function checkBnReluGrad(label: string, what: string, inputs: { dy: Info; x: Info; mean: Info; rstd: Info }, channels: number): void {
  const { dy, x, mean, rstd } = inputs;
  if (dy.shape.join() !== x.shape.join() || size(mean.shape) !== channels || size(rstd.shape) !== channels) {
    throw new Error(`${label}: ${what}: shapes do not match`);
  }
}

/** Evaluation's statistics: float32, one mean and one variance per channel. */
export function checkNormalizeRelu(label: string, what: string, mean: Info, variance: Info, channels: number): void {
  if (size(mean.shape) !== channels || size(variance.shape) !== channels || mean.dtype !== 'float32' || variance.dtype !== 'float32') {
    throw new Error(`${label}: ${what}: statistics must be float32 with one value per channel`);
  }
}
