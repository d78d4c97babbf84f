// The webgpu backend in Node: tfjs-backend-webgpu's kernels on a device that Dawn (the `webgpu`
// package, an optional dependency) opens on this process's adapter. We ask Dawn for the adapter
// ourselves, with the same request as the planner's probe (gpu-probe.ts), so the adapter that
// trains is the one that was checked and that the fingerprint names, then register the backend
// on that device.
//
// Reads: tfjs-backend-webgpu reads data synchronously through an OffscreenCanvas, which Node does
// not have; so the engine reads values only with `await tensor.data()` (train.ts, evaluate.ts,
// model.ts), never dataSync().
import * as tf from '@tensorflow/tfjs';
import {
  ADAPTER_REQUEST,
  adapterLabel,
  dawnMessages,
  dawnOptions,
  describeAdapter,
  identityOf,
  softwareAdapterAllowed,
  webgpuPackagesInstalled,
  type AdapterFound,
} from './gpu-probe.ts';
import { webgpuProvider, type EngineInfo } from './fingerprint.ts';

/** The little of Dawn's API this module touches (its own types come with the optional package). */
interface DawnAdapter {
  info: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  limits: Record<string, number>;
  requestDevice(descriptor?: { requiredLimits?: Record<string, number> }): Promise<DawnDevice>;
}
interface DawnDevice {
  lost: Promise<{ message: string }>;
}
interface DawnGpu {
  requestAdapter(options?: object): Promise<DawnAdapter | null>;
}
interface DawnModule {
  create(options: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

/**
 * The adapter limits the backend sizes its dispatches and buffers by; the defaults are far below
 * what a GPU has (a batch of 1000 at width 80 needs more than 128 MiB in one binding).
 */
const LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
] as const;

let gpu: DawnGpu | null = null;

/** Loads Dawn once, puts its GPU* constants on globalThis and its GPU object on navigator. */
async function loadDawn(): Promise<DawnGpu> {
  if (gpu) return gpu;
  // literal specifiers: the bundle compiles the tfjs backend in and loads Dawn from beside it
  const dawn = (await import('webgpu')) as unknown as DawnModule;
  // tfjs-backend-webgpu uses GPUBufferUsage, GPUMapMode, ... as globals, as in a browser
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  gpu = dawn.create(dawnOptions());
  // the backend checks navigator.gpu; Node 21+ has a navigator of its own, Node 20 none
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return gpu;
}

export type WebgpuOutcome = { ok: true; info: EngineInfo } | { ok: false; reason: string };

/**
 * Initialises the webgpu backend and makes it the active one. Without `forced`, a software
 * adapter is refused; with it, a software adapter needs LANDSCAPE_WEBGPU_SOFTWARE=1. Never
 * throws: `reason` says why it is not available.
 */
export async function activateWebgpu(options: { forced: boolean }): Promise<WebgpuOutcome> {
  const packages = webgpuPackagesInstalled();
  if (!packages.ok) return { ok: false, reason: `${packages.missing.join(' and ')} not installed` };
  let adapter: DawnAdapter | null;
  let found: AdapterFound | null;
  try {
    const dawn = await loadDawn();
    adapter = await dawn.requestAdapter(ADAPTER_REQUEST);
    found = adapter ? describeAdapter({ ...pick(adapter.info), isFallbackAdapter: adapter.info.isFallbackAdapter ?? adapter.isFallbackAdapter }) : null;
  } catch (error) {
    return { ok: false, reason: `Dawn does not load: ${dawnMessages(String((error as Error)?.message ?? error)).join('; ')}` };
  }
  if (!adapter || !found) return { ok: false, reason: 'no WebGPU adapter (Dawn found none; its messages are on stderr)' };
  if (found.software && !(options.forced && softwareAdapterAllowed())) {
    return {
      ok: false,
      reason: `only a software adapter, ${adapterLabel(found)}` + (options.forced ? ' (set LANDSCAPE_WEBGPU_SOFTWARE=1 to use it anyway: tests and CI)' : ''),
    };
  }
  let device: DawnDevice;
  try {
    const requiredLimits: Record<string, number> = {};
    for (const name of LIMITS) if (typeof adapter.limits[name] === 'number') requiredLimits[name] = adapter.limits[name]!;
    device = await adapter.requestDevice({ requiredLimits });
  } catch (error) {
    return { ok: false, reason: `the adapter ${adapterLabel(found)} gives no device: ${firstLine(error)}` };
  }
  // a lost device (driver reset, GPU gone) fails every later kernel: say why, once
  void device.lost.then((info) => console.error(`webgpu: the device was lost: ${info.message}`));
  // the backend package registers its kernels on import, and a factory of its own (which would
  // pick an adapter by itself): ours replaces that factory
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const info = adapter.info;
  tf.registerBackend('webgpu', () => new WebGPUBackend(device as never, info as never), 3);
  if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: `the webgpu backend did not initialise on ${adapterLabel(found)}` };
  await tf.ready();
  const notes = [`WebGPU adapter: ${adapterLabel(found)}${found.description ? `, ${found.description}` : ''}`];
  if (found.software) notes.push('software adapter (LANDSCAPE_WEBGPU_SOFTWARE=1): for tests, not for timing');
  return {
    ok: true,
    info: {
      backend: 'webgpu',
      provider: webgpuProvider(),
      tfjs: tf.version.tfjs,
      kernels: 'webgpu',
      adapter: identityOf(found),
      driver: found.description,
      notes,
    },
  };
}

function pick(info: DawnAdapter['info']): DawnAdapter['info'] {
  return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}
