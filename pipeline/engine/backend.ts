// Selects and initialises the tensor backend (see fingerprint.ts for the order and the override).
import * as tf from '@tensorflow/tfjs';
import {
  installedVersion,
  nativeAddonHash,
  NATIVE_PACKAGES,
  requestedBackend,
  type EngineInfo,
} from './fingerprint.ts';

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
  if (wanted !== 'wasm') {
    for (const pkg of NATIVE_PACKAGES) {
      const version = installedVersion(pkg);
      if (!version) continue;
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
    }
    if (wanted === 'tensorflow') {
      throw new Error(
        `LANDSCAPE_BACKEND=tensorflow, but no native TensorFlow backend loads` +
          (notes.length ? ` (${notes.join('; ')})` : ' (neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed)'),
      );
    }
  }
  const { selectWasm } = await import('./wasm-kernels.ts');
  await selectWasm();
  // kernels in plain TypeScript (buffer sharing, broadcast Tile, Sum/Mean gradients), then the native kernel
  // provider on top, when built and not turned off (else a one-line notice)
  const { registerJsKernels } = await import('./js-kernels.ts');
  registerJsKernels();
  const { activateNativeKernels } = await import('./native-kernels.ts');
  const native = activateNativeKernels();
  if (native.notice) notes.push(native.notice);
  else notes.push(`native kernels: ${native.blas} (core ${native.core}), ${native.threads} threads`);
  const wasmVersion = installedVersion('@tensorflow/tfjs-backend-wasm') ?? 'unknown';
  const provider = `@tensorflow/tfjs-backend-wasm@${wasmVersion}`;
  if (native.kernels === 'native-openblas') {
    return { backend: 'wasm', provider, tfjs: tf.version.tfjs, kernels: native.kernels, addon: nativeAddonHash(), notes };
  }
  return { backend: 'wasm', provider, tfjs: tf.version.tfjs, kernels: native.kernels, notes };
}


function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}
