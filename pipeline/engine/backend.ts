// Selects and initialises the tensor backend (see fingerprint.ts for the order and the override).
import * as tf from '@tensorflow/tfjs';
import { packageVersion } from '../root.ts';
import {
  nativeAddonHash,
  simdKernelsHash,
  requestedBackend,
  tensorflowUnavailableError,
  TFJS_NODE_CPU,
  TFJS_NODE_GPU,
  webgpuUnavailableError,
  type EngineInfo,
} from './fingerprint.ts';
import { hardwareGpuPossible } from './gpu-probe.ts';

export { fingerprintOf } from './fingerprint.ts';

let active: Promise<EngineInfo> | null = null;

/** Selects and initialises the backend once per process. */
export function initEngine(): Promise<EngineInfo> {
  active ??= select();
  return active;
}

async function select(): Promise<EngineInfo> {
  const wanted = requestedBackend();
  const notes: string[] = [];
  if (wanted === 'webgpu') {
    const { activateWebgpu } = await import('./webgpu.ts');
    const outcome = await activateWebgpu({ forced: true });
    if (!outcome.ok) throw webgpuUnavailableError(outcome.reason);
    return outcome.info;
  }
  if (wanted !== 'wasm') {
    const gpu = await loadTensorflow(TFJS_NODE_GPU, notes);
    if (gpu) return gpu;
    // the same condition as the prediction: Dawn is only asked where a GPU device exists
    if (wanted === null && hardwareGpuPossible()) {
      const { activateWebgpu } = await import('./webgpu.ts');
      const outcome = await activateWebgpu({ forced: false });
      if (outcome.ok) return { ...outcome.info, notes: [...notes, ...outcome.info.notes] };
      notes.push(`webgpu not used: ${outcome.reason}`);
    }
    const cpu = await loadTensorflow(TFJS_NODE_CPU, notes);
    if (cpu) return cpu;
    if (wanted === 'tensorflow') {
      throw tensorflowUnavailableError(notes.length ? notes.join('; ') : `neither ${TFJS_NODE_GPU} nor ${TFJS_NODE_CPU} is installed`);
    }
  }
  return loadWasm(notes);
}

/** One of the native TensorFlow packages, when it is installed and loads; else null and a note. */
async function loadTensorflow(pkg: string, notes: string[]): Promise<EngineInfo | null> {
  const version = packageVersion(pkg);
  if (!version) return null;
  try {
    // a variable specifier: these packages are optional and usually absent
    await import(pkg);
    if (await tf.setBackend('tensorflow')) {
      await tf.ready();
      return { backend: 'tensorflow', provider: `${pkg}@${version}`, tfjs: tf.version.tfjs, kernels: 'tensorflow', notes };
    }
    notes.push(`${pkg} loaded but its backend did not initialise`);
  } catch (error) {
    notes.push(`${pkg} is installed but does not load: ${firstLine(error)}`);
  }
  return null;
}

/** The wasm backend with our kernels (and the native provider when built and not turned off). */
export async function loadWasm(notes: string[] = []): Promise<EngineInfo> {
  const { selectWasm } = await import('./wasm-kernels.ts');
  await selectWasm();
  // kernels in plain TypeScript (buffer sharing, broadcast Tile, Sum/Mean gradients), then the native kernel
  // provider on top, when built and not turned off (else a one-line notice)
  const { registerJsKernels } = await import('./js-kernels.ts');
  registerJsKernels();
  const { activateNativeKernels } = await import('./native-kernels.ts');
  const native = activateNativeKernels();
  const wasmVersion = packageVersion('@tensorflow/tfjs-backend-wasm') ?? 'unknown';
  const provider = `@tensorflow/tfjs-backend-wasm@${wasmVersion}`;
  if (native.kernels === 'native-openblas') {
    notes.push(`native kernels: ${native.blas} (core ${native.core}), ${native.threads} threads`);
    return { backend: 'wasm', provider, tfjs: tf.version.tfjs, kernels: native.kernels, addon: nativeAddonHash(), notes };
  }
  if (native.notice) notes.push(native.notice);
  // without the addon: our SIMD wasm kernels on worker threads, when built (else a one-line notice)
  const { activateSimdKernels } = await import('./simd-kernels.ts');
  const simd = activateSimdKernels();
  if (simd.kernels === 'wasm-simd') {
    notes.push(`simd kernels: wasm SIMD${simd.fma ? ' with fused multiply-add (relaxed SIMD)' : ''}, ${simd.threads} threads`);
    return { backend: 'wasm', provider, tfjs: tf.version.tfjs, kernels: simd.kernels, addon: simdKernelsHash(), notes };
  }
  if (simd.notice) notes.push(simd.notice);
  return { backend: 'wasm', provider, tfjs: tf.version.tfjs, kernels: 'xnnpack', notes };
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}
