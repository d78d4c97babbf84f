// Which tensor backend a run will use, found without loading any of them (planning a no-op
// rerun must stay fast), and the fingerprint that goes into cache keys and run manifests.
// Order, first that is available:
//  1. tensorflow: @tensorflow/tfjs-node-gpu (TensorFlow with CUDA), when it loads;
//  2. webgpu: @tensorflow/tfjs-backend-webgpu on Dawn (the `webgpu` package), when Dawn gives a
//     hardware adapter; needs only the GPU driver (its Vulkan driver on Linux), no CUDA;
//  3. tensorflow: @tensorflow/tfjs-node (TensorFlow on the CPU), when it loads;
//  4. wasm: the wasm backend, with our SIMD kernels on worker threads (or XNNPACK and our conv gradients).
// A GPU comes before TensorFlow on the CPU, which is why tfjs-node-gpu and tfjs-node are split
// around webgpu. The pure-JS 'cpu' backend is never used for training: it is ~0.2 images/s.
//
// LANDSCAPE_BACKEND=tensorflow|webgpu|wasm (or --backend) forces a backend; a forced backend that
// cannot be loaded is an error, never a silent fallback. A software WebGPU adapter (lavapipe,
// SwiftShader) is only used when forced and allowed: LANDSCAPE_BACKEND=webgpu with
// LANDSCAPE_WEBGPU_SOFTWARE=1 (tests and CI; see gpu-probe.ts).
//
// Predicting webgpu needs to know the adapter (it is in the fingerprint): it is asked of Dawn in
// a short child process, and only when it can matter (forced, or a GPU device exists).
//
// On 'wasm', the kernels come from one of three providers (the `kernels` field): the native
// addon (native/, OpenBLAS; see native-kernels.ts) when it is built and not turned off with
// LANDSCAPE_NATIVE=0; else our SIMD wasm kernels on worker threads (wasm/, built at install;
// see simd-kernels.ts) unless LANDSCAPE_SIMD=0; else the wasm backend's own (XNNPACK) with our
// conv gradients.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageVersion, ROOT } from '../root.ts';
import {
  adapterLabel,
  DAWN_PACKAGE,
  hardwareGpuPossible,
  identityOf,
  probeAdapter,
  softwareAdapterAllowed,
  WEBGPU_BACKEND_PACKAGE,
  webgpuAttempt,
  webgpuPackagesInstalled,
  type AdapterIdentity,
  type ProbeResult,
} from './gpu-probe.ts';

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm'];

/**
 * Who computes the heavy kernels: TensorFlow itself, the native addon, the wasm backend's own,
 * or tfjs-backend-webgpu's WGSL shaders.
 */
export type KernelProvider = 'tensorflow' | 'native-openblas' | 'wasm-simd' | 'xnnpack' | 'webgpu';

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
   * for 'native-openblas' and 'wasm-simd': the SHA-256 (first 16 hex digits) of the addon or
   * wasm module, so that kernels rebuilt from other code invalidate the results of the old ones
   */
  addon?: string;
  /**
   * for 'webgpu': the adapter (vendor, architecture, device, software or not), so that results
   * computed on one GPU model are not taken for another's
   */
  adapter?: AdapterIdentity;
}

export interface EngineInfo extends EngineFingerprint {
  /** why this backend was chosen (or why others were not) */
  notes: string[];
  /** for 'webgpu': the adapter's description (driver and version); shown, not keyed */
  driver?: string;
}

export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
export const TFJS_NODE_GPU = NATIVE_PACKAGES[0];
export const TFJS_NODE_CPU = NATIVE_PACKAGES[1];
const require = createRequire(import.meta.url);

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
  return process.env.LANDSCAPE_NATIVE_ADDON?.trim() || join(ROOT, NATIVE_ADDON_PATH);
}

/** A kernel provider's switch: '0' (off), '1' (required: an error when it does not load), unset (auto). */
function providerSetting(variable: 'LANDSCAPE_NATIVE' | 'LANDSCAPE_SIMD'): 'off' | 'auto' | 'required' {
  const value = (process.env[variable] ?? '').trim().toLowerCase();
  if (value === '' || value === 'auto') return 'auto';
  if (['0', 'false', 'off', 'no'].includes(value)) return 'off';
  if (['1', 'true', 'on', 'yes'].includes(value)) return 'required';
  throw new Error(`${variable}='${process.env[variable]}' is not a setting (expected 0, 1 or unset)`);
}

/** LANDSCAPE_NATIVE: the native addon off, required or auto. */
export function nativeSetting(): 'off' | 'auto' | 'required' {
  return providerSetting('LANDSCAPE_NATIVE');
}

export function nativeAddonBuilt(): boolean {
  return existsSync(nativeAddonFile());
}

/**
 * The SIMD wasm kernels, relative to the repository root: two builds of the same source, the
 * plain one (128-bit SIMD) and one with relaxed SIMD, whose fused multiply-add makes the
 * convolutions about a quarter faster where the runtime has it.
 */
export const SIMD_KERNELS_PATH = 'wasm/build/kernels.wasm';
export const SIMD_FMA_KERNELS_PATH = 'wasm/build/kernels-fma.wasm';

let relaxedSimd: boolean | null = null;
/**
 * Whether this runtime compiles relaxed SIMD (the FMA build as the probe). Node 22's V8 has it;
 * Node 20's has it behind a flag, which is turned on here for that (it only admits more wasm
 * instructions). LANDSCAPE_SIMD_FMA=0 says no without asking.
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxedSimd !== null) return relaxedSimd;
  const fma = join(ROOT, SIMD_FMA_KERNELS_PATH);
  if (['0', 'false', 'off', 'no'].includes((process.env.LANDSCAPE_SIMD_FMA ?? '').trim().toLowerCase()) || !existsSync(fma)) {
    return (relaxedSimd = false);
  }
  return (relaxedSimd = compilesHere(readFileSync(fma)));
}

/**
 * Whether this runtime compiles the module, after turning on V8's relaxed SIMD if that is
 * what it lacks (Node 20 has it behind a flag).
 */
export function compilesHere(bytes: BufferSource): boolean {
  if (WebAssembly.validate(bytes)) return true;
  (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(bytes);
}

/** The SIMD kernels this process uses: LANDSCAPE_SIMD_MODULE, else the FMA build where the runtime has relaxed SIMD, else the plain one. */
export function simdKernelsFile(): string {
  const chosen = process.env.LANDSCAPE_SIMD_MODULE?.trim();
  if (chosen) return chosen;
  return join(ROOT, relaxedSimdAvailable() ? SIMD_FMA_KERNELS_PATH : SIMD_KERNELS_PATH);
}

/** LANDSCAPE_SIMD: the SIMD wasm kernels off, required or auto; consulted only without the native addon. */
export function simdSetting(): 'off' | 'auto' | 'required' {
  return providerSetting('LANDSCAPE_SIMD');
}

export function simdKernelsBuilt(): boolean {
  return existsSync(simdKernelsFile());
}

/** The fingerprint part of an engine's description (what keys and manifests record). */
export function fingerprintOf(info: EngineInfo): EngineFingerprint {
  const { notes: _notes, driver: _driver, ...fingerprint } = info;
  return fingerprint;
}

/** Same engine for cache keys: backend, provider, tfjs version, kernel provider, addon and adapter all equal. */
export function sameFingerprint(a: EngineFingerprint, b: EngineFingerprint): boolean {
  return (
    a.backend === b.backend &&
    a.provider === b.provider &&
    a.tfjs === b.tfjs &&
    a.kernels === b.kernels &&
    a.addon === b.addon &&
    sameAdapter(a.adapter, b.adapter)
  );
}

function sameAdapter(a: AdapterIdentity | undefined, b: AdapterIdentity | undefined): boolean {
  if (!a || !b) return a === b;
  return a.vendor === b.vendor && a.architecture === b.architecture && a.device === b.device && a.software === b.software;
}

/** An engine that computes on a GPU: TensorFlow's CUDA build, or WebGPU on a hardware adapter. */
export function isGpuEngine(engine: EngineFingerprint): boolean {
  if (engine.backend === 'webgpu') return engine.adapter?.software !== true;
  return engine.backend === 'tensorflow' && engine.provider.startsWith(`${TFJS_NODE_GPU}@`);
}

/** The provider string of the webgpu backend: the tfjs backend and the Dawn build under it. */
export function webgpuProvider(): string {
  return `${WEBGPU_BACKEND_PACKAGE}@${packageVersion(WEBGPU_BACKEND_PACKAGE) ?? 'unknown'} + ${DAWN_PACKAGE}@${packageVersion(DAWN_PACKAGE) ?? 'unknown'}`;
}

/**
 * Whether the webgpu backend can serve this process, decided the way initEngine() decides it:
 * `forced` (LANDSCAPE_BACKEND=webgpu) asks Dawn whatever the hardware; otherwise Dawn is only asked
 * when a GPU device exists, and a software adapter never counts. `reason` says why not.
 */
export function webgpuAvailability(
  forced: boolean,
  gpuDevice: () => boolean = hardwareGpuPossible,
): { adapter: AdapterIdentity; probe: ProbeResult } | { reason: string } {
  const packages = webgpuPackagesInstalled();
  if (!packages.ok) return { reason: `${packages.missing.join(' and ')} not installed` };
  if (!forced && !gpuDevice()) return { reason: 'no GPU device on this machine' };
  const probe = probeAdapter();
  if (!probe.adapter) return { reason: `no WebGPU adapter (${probe.messages.join('; ') || 'Dawn found none'})` };
  if (probe.adapter.software && !(forced && softwareAdapterAllowed())) {
    return {
      reason: `only a software adapter, ${adapterLabel(probe.adapter)}` +
        (forced ? ' (set LANDSCAPE_WEBGPU_SOFTWARE=1 to use it anyway: tests and CI)' : ''),
    };
  }
  return { adapter: identityOf(probe.adapter), probe };
}

/** The error of a forced webgpu backend that is not available, naming what was tried. */
export function webgpuUnavailableError(reason: string): Error {
  return new Error(`LANDSCAPE_BACKEND=webgpu, but ${reason}. Tried: ${webgpuAttempt()}. See the README ("GPU engines") and npm run gpu-check`);
}

/** The error of a forced tensorflow backend that is not installed. */
export function tensorflowUnavailableError(detail: string): Error {
  return new Error(`LANDSCAPE_BACKEND=tensorflow, but no native TensorFlow backend loads (${detail})`);
}

/**
 * The fingerprint this process would use, found without initialising anything heavy, so that
 * planning a run (and a no-op rerun) stays fast. It must agree with initEngine(); the planner
 * checks that it does before any engine step runs. Webgpu costs one Dawn probe in a child process
 * (gpu-probe.ts), and only when forced or where a GPU device exists. A forced backend that is not
 * available throws here already, so a cached run can never pass for one on it.
 */
export function predictFingerprint(): EngineFingerprint {
  const wanted = requestedBackend();
  const tfjs = packageVersion('@tensorflow/tfjs') ?? 'unknown';
  const tensorflow = (pkg: string): EngineFingerprint | null => {
    const version = packageVersion(pkg);
    return version && nativeBindingPresent(pkg) ? { backend: 'tensorflow', provider: `${pkg}@${version}`, tfjs, kernels: 'tensorflow' } : null;
  };
  if (wanted === 'webgpu') {
    const found = webgpuAvailability(true);
    if ('reason' in found) throw webgpuUnavailableError(found.reason);
    return { backend: 'webgpu', provider: webgpuProvider(), tfjs, kernels: 'webgpu', adapter: found.adapter };
  }
  if (wanted !== 'wasm') {
    const gpu = tensorflow(TFJS_NODE_GPU);
    if (gpu) return gpu;
    if (wanted === null) {
      const found = webgpuAvailability(false);
      if (!('reason' in found)) return { backend: 'webgpu', provider: webgpuProvider(), tfjs, kernels: 'webgpu', adapter: found.adapter };
    }
    const cpu = tensorflow(TFJS_NODE_CPU);
    if (cpu) return cpu;
    if (wanted === 'tensorflow') throw tensorflowUnavailableError(`neither ${TFJS_NODE_GPU} nor ${TFJS_NODE_CPU} is installed with its binding`);
  }
  const wasmVersion = packageVersion('@tensorflow/tfjs-backend-wasm') ?? 'unknown';
  // cheap: the built addon or module is there and not turned off (a broken one is found at initEngine)
  const provider = `@tensorflow/tfjs-backend-wasm@${wasmVersion}`;
  if (nativeSetting() !== 'off' && nativeAddonBuilt()) return { backend: 'wasm', provider, tfjs, kernels: 'native-openblas', addon: nativeAddonHash() };
  if (simdSetting() !== 'off' && simdKernelsBuilt()) return { backend: 'wasm', provider, tfjs, kernels: 'wasm-simd', addon: simdKernelsHash() };
  return { backend: 'wasm', provider, tfjs, kernels: 'xnnpack' };
}

let simdHash: string | null = null;
/** SHA-256 (16 hex digits) of the SIMD wasm module; read once per process. */
export function simdKernelsHash(): string {
  simdHash ??= createHash('sha256').update(readFileSync(simdKernelsFile())).digest('hex').slice(0, 16);
  return simdHash;
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

