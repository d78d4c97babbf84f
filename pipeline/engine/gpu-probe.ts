// Cheap questions about the GPU, answered without loading Dawn into this process (planning a
// no-op rerun must stay fast): is there GPU hardware at all, how many GPUs, which Vulkan driver
// manifests the loader would read, and, when it is worth asking, which WebGPU adapter Dawn
// would give (a probe in a short child process, ~0.15 s, at most once per process; nothing is
// kept across runs, since drivers and GPUs change under a cache).
//
// A software adapter (lavapipe / llvmpipe, SwiftShader: Dawn marks it isFallbackAdapter, Mesa
// calls its architecture 'software') is never taken automatically: only with
// LANDSCAPE_BACKEND=webgpu and LANDSCAPE_WEBGPU_SOFTWARE=1, for tests and CI.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageVersion } from '../root.ts';
import { vulkanIcdDirs, vulkanIcds } from './vulkan.ts';

const require = createRequire(import.meta.url);

/** The npm packages of the WebGPU path: Dawn for Node (optional: a native binary) and the tfjs backend. */
export const DAWN_PACKAGE = 'webgpu';
export const WEBGPU_BACKEND_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

/** What the engine fingerprint records of an adapter: enough to tell one GPU model from another. */
export interface AdapterIdentity {
  vendor: string;
  architecture: string;
  device: string;
  /** a CPU implementation of WebGPU (only ever used when asked for) */
  software: boolean;
}

/** An adapter as Dawn describes it; `description` names the driver and its version. */
export interface AdapterFound extends AdapterIdentity {
  description: string;
}

export interface ProbeResult {
  adapter: AdapterFound | null;
  /** why there is no adapter, or what Dawn said on the way (its warnings, one per line) */
  messages: string[];
  seconds: number;
}

/** The Dawn adapter request used everywhere (the probe, the engine, gpu-check): the same answer each time. */
export const ADAPTER_REQUEST = { powerPreference: 'high-performance' } as const;

/** Both packages of the WebGPU path are installed (Dawn is optional and may be missing). */
export function webgpuPackagesInstalled(): { ok: boolean; missing: string[] } {
  const missing = [DAWN_PACKAGE, WEBGPU_BACKEND_PACKAGE].filter((p) => packageVersion(p) === null);
  return { ok: missing.length === 0, missing };
}

/** LANDSCAPE_WEBGPU_SOFTWARE=1: a software adapter may serve a forced webgpu backend. */
export function softwareAdapterAllowed(): boolean {
  return ['1', 'true', 'yes', 'on'].includes((process.env.LANDSCAPE_WEBGPU_SOFTWARE ?? '').trim().toLowerCase());
}

/** Extra options for Dawn's create() (e.g. `backend=vulkan`, `adapter=<name>`), space-separated. */
export function dawnOptions(): string[] {
  return (process.env.LANDSCAPE_WEBGPU_DAWN ?? '').split(/\s+/).filter(Boolean);
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|software/i;

/** Fields of Dawn's GPUAdapterInfo that we read. */
export interface RawAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** Our record of an adapter; null for Dawn's 'null' backend (it computes nothing). */
export function describeAdapter(info: RawAdapterInfo): AdapterFound | null {
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const device = info.device ?? '';
  const description = info.description ?? '';
  if (device === 'null-backend') return null;
  const software = info.isFallbackAdapter === true || SOFTWARE_NAMES.test(`${architecture} ${device} ${description}`);
  return { vendor, architecture, device, description, software };
}

export function identityOf(adapter: AdapterFound): AdapterIdentity {
  return { vendor: adapter.vendor, architecture: adapter.architecture, device: adapter.device, software: adapter.software };
}

/** "nvidia hopper (nvidia-h100-80gb-hbm3)" and the like, for messages and the site. */
export function adapterLabel(a: AdapterIdentity): string {
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown vendor';
  return `${name}${a.device ? ` (${a.device})` : ''}${a.software && a.architecture !== 'software' ? ', software' : ''}`;
}

/** What the WebGPU path tried, for an error: packages, Dawn's options, the Vulkan drivers. */
export function webgpuAttempt(): string {
  const parts = [`Dawn (${DAWN_PACKAGE}@${packageVersion(DAWN_PACKAGE) ?? 'not installed'}) asked for a ${ADAPTER_REQUEST.powerPreference} adapter`];
  const options = dawnOptions();
  if (options.length) parts.push(`Dawn options from LANDSCAPE_WEBGPU_DAWN: ${options.join(' ')}`);
  if (process.platform === 'linux') {
    const { source, manifests } = vulkanIcds();
    parts.push(
      manifests.length
        ? `Vulkan drivers (from ${source}): ${manifests.map((m) => `${m.file}${m.library ? ` -> ${m.library}` : existsSync(m.file) ? ' (unreadable)' : ' (missing)'}`).join(', ')}`
        : `no Vulkan driver manifest (searched ${source === 'the loader search folders' ? vulkanIcdDirs().join(', ') : source})`,
    );
  }
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------
// hardware, without any driver

/** Device nodes a GPU driver creates (Linux): NVIDIA's, DRM render nodes, WSL's GPU. */
export function gpuDeviceNodes(): string[] {
  const found: string[] = [];
  try {
    for (const name of readdirSync('/dev')) if (/^nvidia\d+$/.test(name) || name === 'dxg') found.push(`/dev/${name}`);
  } catch {
    // no /dev: not Linux
  }
  try {
    for (const name of readdirSync('/dev/dri')) if (/^renderD\d+$/.test(name)) found.push(`/dev/dri/${name}`);
  } catch {
    // no DRM devices
  }
  return found.sort();
}

/**
 * Could a hardware adapter exist? On Linux only when a GPU device node does (containers and CI
 * machines have none, so they never pay for a probe); macOS and Windows always have a GPU API.
 */
export function hardwareGpuPossible(): boolean {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return gpuDeviceNodes().length > 0;
}

let nvidiaSmiMemo: string | null | undefined;
/** nvidia-smi on PATH, or null. */
export function nvidiaSmi(): string | null {
  if (nvidiaSmiMemo !== undefined) return nvidiaSmiMemo;
  nvidiaSmiMemo = null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, process.platform === 'win32' ? 'nvidia-smi.exe' : 'nvidia-smi');
    if (dir && existsSync(file)) {
      nvidiaSmiMemo = file;
      break;
    }
  }
  return nvidiaSmiMemo;
}

/** GPUs on this machine: `nvidia-smi -L` when it is there, else NVIDIA device nodes, else 1. */
export function gpuCount(): number {
  const smi = nvidiaSmi();
  if (smi) {
    const r = spawnSync(smi, ['-L'], { encoding: 'utf8', timeout: 10_000 });
    const n = r.status === 0 ? r.stdout.split('\n').filter((l) => /^GPU \d+/.test(l)).length : 0;
    if (n > 0) return n;
  }
  const nodes = gpuDeviceNodes().filter((n) => /nvidia\d+$/.test(n)).length;
  return Math.max(1, nodes);
}

// ---------------------------------------------------------------------------------------------
// the probe: which adapter Dawn gives, asked in a child process

// Plain JavaScript run with `node --input-type=module -e`: argv[1] is Dawn's module URL, argv[2]
// the create() options, argv[3] the adapter request. It prints one JSON line and exits (an open
// Dawn instance could keep it alive).
const PROBE_SCRIPT = String.raw`
const [url, options, request] = process.argv.slice(1);
const { create } = await import(url);
const gpu = create(JSON.parse(options));
const adapter = await gpu.requestAdapter(JSON.parse(request));
const info = adapter ? adapter.info : null;
const pick = info && { vendor: info.vendor, architecture: info.architecture, device: info.device,
  description: info.description, isFallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter };
process.stdout.write('PROBE ' + JSON.stringify(pick) + '\n');
process.exit(0);
`;

let probeMemo: ProbeResult | null = null;

/**
 * The adapter Dawn gives to this machine's Node, asked in a child process (synchronous; once per
 * process). Never throws: a missing package, a crash or a timeout is an answer with messages.
 */
export function probeAdapter(): ProbeResult {
  if (probeMemo) return probeMemo;
  const started = performance.now();
  const done = (adapter: AdapterFound | null, messages: string[]): ProbeResult => {
    probeMemo = { adapter, messages, seconds: (performance.now() - started) / 1000 };
    return probeMemo;
  };
  const packages = webgpuPackagesInstalled();
  if (!packages.ok) return done(null, [`${packages.missing.join(' and ')} not installed`]);
  let url: string;
  try {
    url = pathToFileURL(require.resolve(DAWN_PACKAGE)).href;
  } catch (error) {
    return done(null, [`${DAWN_PACKAGE} does not resolve: ${(error as Error).message.split('\n')[0]}`]);
  }
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', PROBE_SCRIPT, url, JSON.stringify(dawnOptions()), JSON.stringify(ADAPTER_REQUEST)],
    { encoding: 'utf8', timeout: 30_000, env: process.env },
  );
  const messages = dawnMessages(r.stderr ?? '');
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('PROBE '));
  if (!line) {
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
    return done(null, [`the Dawn probe failed (${why})`, ...messages]);
  }
  const raw = JSON.parse(line.slice('PROBE '.length)) as RawAdapterInfo | null;
  const adapter = raw ? describeAdapter(raw) : null;
  if (!adapter) messages.unshift(raw ? "Dawn offered only its 'null' backend" : 'Dawn found no adapter');
  return done(adapter, messages);
}

/** Dawn's and the Vulkan loader's stderr, as short lines (no stack positions, no blanks, no repeats). */
export function dawnMessages(stderr: string): string[] {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !/artificially reduced/.test(l))
    .map((l) => l.replace(/^Warning:\s*/, ''));
  return [...new Set(lines)].slice(0, 12);
}

/** For tests: forget the probe of this process. */
export function forgetProbe(): void {
  probeMemo = null;
}
