// Which tensor backend a run will use, found without loading any of them (planning a no-op
// rerun must stay fast), and the fingerprint that goes into cache keys and run manifests.
// Order: the native TensorFlow backend (tfjs-node-gpu, then tfjs-node) when one of
// those optional packages loads; otherwise the wasm backend (SIMD, XNNPACK) with our fast
// convolution gradients. The pure-JS 'cpu' backend is never used for training: it is ~0.2 images/s.
//
// LANDSCAPE_BACKEND=tensorflow|wasm forces a backend; a forced backend that cannot be loaded is
// an error, never a silent fallback.
//
// On 'wasm', the kernels come from one of two providers (the `kernels` field): the native addon
// (native/, OpenBLAS; see native-kernels.ts) when it is built and not turned off with
// LANDSCAPE_NATIVE=0, else the wasm backend's own (XNNPACK) with our conv gradients.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export type BackendName = 'tensorflow' | 'wasm';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm'];

/** Who computes the heavy kernels: TensorFlow itself, the native addon, or the wasm backend's own. */
export type KernelProvider = 'tensorflow' | 'native-openblas' | 'xnnpack';

export interface EngineFingerprint {
  backend: BackendName;
  /** the npm package that provides the backend, with its version */
  provider: string;
  tfjs: string;
  /**
   * the kernel provider; always set by predictFingerprint() and initEngine() (optional only so
   * that fingerprints written before it existed still read)
   */
  kernels?: KernelProvider;
  /**
   * for 'native-openblas': the SHA-256 (first 16 hex digits) of the addon binary, so that a
   * rebuilt addon with other code invalidates the results computed with the old one
   */
  addon?: string;
}

export interface EngineInfo extends EngineFingerprint {
  /** why this backend was chosen (or why others were not) */
  notes: string[];
}

export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const require = createRequire(import.meta.url);

export function installedVersion(pkg: string): string | null {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

export function requestedBackend(): BackendName | null {
  const value = process.env.LANDSCAPE_BACKEND?.trim();
  if (!value) return null;
  if (!(BACKEND_NAMES as readonly string[]).includes(value)) {
    throw new Error(`LANDSCAPE_BACKEND='${value}' is not a backend (expected one of: ${BACKEND_NAMES.join(', ')})`);
  }
  return value as BackendName;
}

/**
 * The native addon, relative to the repository root, and its absolute path (LANDSCAPE_NATIVE_ADDON
 * points elsewhere: another build, or a missing or broken file in the fallback tests).
 */
export const NATIVE_ADDON_PATH = 'native/build/Release/landscape_native.node';
export function nativeAddonFile(): string {
  return process.env.LANDSCAPE_NATIVE_ADDON?.trim() || fileURLToPath(new URL(`../../${NATIVE_ADDON_PATH}`, import.meta.url));
}

/** LANDSCAPE_NATIVE: '0' (off), '1' (required: an error when it does not load), unset (auto). */
export function nativeSetting(): 'off' | 'auto' | 'required' {
  const value = (process.env.LANDSCAPE_NATIVE ?? '').trim().toLowerCase();
  if (value === '' || value === 'auto') return 'auto';
  if (['0', 'false', 'off', 'no'].includes(value)) return 'off';
  if (['1', 'true', 'on', 'yes'].includes(value)) return 'required';
  throw new Error(`LANDSCAPE_NATIVE='${process.env.LANDSCAPE_NATIVE}' is not a setting (expected 0, 1 or unset)`);
}

export function nativeAddonBuilt(): boolean {
  return existsSync(nativeAddonFile());
}

/** Same engine for cache keys: backend, provider, tfjs version and kernel provider all equal. */
/** The fingerprint part of an engine's description (what keys and manifests record). */
export function fingerprintOf(info: EngineInfo): EngineFingerprint {
  const { notes: _notes, ...fingerprint } = info;
  return fingerprint;
}

export function sameFingerprint(a: EngineFingerprint, b: EngineFingerprint): boolean {
  return a.backend === b.backend && a.provider === b.provider && a.tfjs === b.tfjs && a.kernels === b.kernels && a.addon === b.addon;
}

/**
 * The fingerprint this process would use, found without initialising anything heavy, so that
 * planning a run (and a no-op rerun) stays fast. It must agree with initEngine(); the planner
 * checks that it does before any engine step runs.
 */
export function predictFingerprint(): EngineFingerprint {
  const wanted = requestedBackend();
  const tfjs = installedVersion('@tensorflow/tfjs') ?? 'unknown';
  if (wanted !== 'wasm') {
    for (const pkg of NATIVE_PACKAGES) {
      const version = installedVersion(pkg);
      if (version && nativeBindingPresent(pkg)) return { backend: 'tensorflow', provider: `${pkg}@${version}`, tfjs, kernels: 'tensorflow' };
    }
  }
  const wasmVersion = installedVersion('@tensorflow/tfjs-backend-wasm') ?? 'unknown';
  // cheap: the built addon is there and not turned off (a broken one is found at initEngine)
  const kernels: KernelProvider = nativeSetting() !== 'off' && nativeAddonBuilt() ? 'native-openblas' : 'xnnpack';
  const provider = `@tensorflow/tfjs-backend-wasm@${wasmVersion}`;
  return kernels === 'native-openblas' ? { backend: 'wasm', provider, tfjs, kernels, addon: nativeAddonHash() } : { backend: 'wasm', provider, tfjs, kernels };
}

let addonHash: string | null = null;
/** SHA-256 (16 hex digits) of the native addon binary; read once per process. */
export function nativeAddonHash(): string {
  addonHash ??= createHash('sha256').update(readFileSync(nativeAddonFile())).digest('hex').slice(0, 16);
  return addonHash;
}

/** tfjs-node installs its package files even when its native download failed; look for the binding. */
function nativeBindingPresent(pkg: string): boolean {
  try {
    const root = require.resolve(`${pkg}/package.json`).replace(/package\.json$/, '');
    const fs = require('node:fs') as typeof import('node:fs');
    const libDir = `${root}lib`;
    if (!fs.existsSync(libDir)) return false;
    const walk = (dir: string): boolean =>
      fs.readdirSync(dir, { withFileTypes: true }).some((e) =>
        e.isDirectory() ? walk(`${dir}/${e.name}`) : e.name === 'tfjs_binding.node',
      );
    return walk(libDir);
  } catch {
    return false;
  }
}

