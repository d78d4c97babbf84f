// Backend selection: the order, the override and its errors, the prediction agreeing with what
// loads, software adapters never taken unasked, and the default number of workers. Each engine
// case runs in its own process (the environment decides the engine).
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  isGpuEngine,
  sameFingerprint,
  TFJS_NODE_CPU,
  TFJS_NODE_GPU,
  webgpuAvailability,
  type EngineFingerprint,
} from '../../pipeline/engine/fingerprint.ts';
import { describeAdapter, gpuCount, hardwareGpuPossible, webgpuPackagesInstalled } from '../../pipeline/engine/gpu-probe.ts';
import { defaultJobs } from '../../pipeline/figures-command.ts';
import { packageVersion } from '../../pipeline/root.ts';
import { machineProbe, skipWebgpu, softwareOnly } from './helpers.ts';

const fixture = fileURLToPath(new URL('./engine-select.fixture.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Outcome {
  predicted?: EngineFingerprint;
  predictError?: string;
  jobs?: number;
  info?: EngineFingerprint & { notes: string[]; driver?: string };
  initError?: string;
  activeBackend?: string;
  loss?: number;
  samePrediction?: boolean | null;
  dawnLoadedByPrediction?: boolean;
}

function engineWith(env: Record<string, string | undefined>): Outcome {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['LANDSCAPE_BACKEND', 'LANDSCAPE_WEBGPU_SOFTWARE', 'LANDSCAPE_WEBGPU_DAWN']) delete childEnv[name];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', fixture], { cwd: repoRoot, env: childEnv, encoding: 'utf8', timeout: 120_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`the child printed no result (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(line.slice('RESULT '.length)) as Outcome;
}

const tensorflowInstalled = packageVersion(TFJS_NODE_GPU) !== null || packageVersion(TFJS_NODE_CPU) !== null;

describe('backend selection', () => {
  it('LANDSCAPE_BACKEND must name a backend, webgpu among them', () => {
    const o = engineWith({ LANDSCAPE_BACKEND: 'cuda' });
    expect(o.predictError).toMatch(/LANDSCAPE_BACKEND='cuda' is not a backend \(expected one of: tensorflow, webgpu, wasm\)/);
    expect(o.initError).toMatch(/is not a backend/);
  });

  it('LANDSCAPE_BACKEND=wasm gives wasm, predicted, with one worker per core', () => {
    const o = engineWith({ LANDSCAPE_BACKEND: 'wasm' });
    expect(o.initError).toBeUndefined();
    expect(o.info!.backend).toBe('wasm');
    expect(o.activeBackend).toBe('wasm');
    expect(o.samePrediction).toBe(true);
    expect(o.jobs).toBe(availableParallelism());
    expect(Number.isFinite(o.loss)).toBe(true);
  });

  it.skipIf(tensorflowInstalled || process.platform === 'darwin' || process.platform === 'win32')(
    'without a GPU device, automatic selection never asks Dawn and trains on wasm',
    (ctx) => {
      if (hardwareGpuPossible()) ctx.skip();
      const o = engineWith({});
      expect(o.initError).toBeUndefined();
      expect(o.predicted!.backend).toBe('wasm');
      expect(o.info!.backend).toBe('wasm');
      expect(o.samePrediction).toBe(true);
      expect(o.info!.notes.some((n) => /webgpu/.test(n))).toBe(false);
    },
  );

  it.skipIf(tensorflowInstalled)('a forced tensorflow backend that is not installed is an error, predicted and loaded', () => {
    const o = engineWith({ LANDSCAPE_BACKEND: 'tensorflow' });
    expect(o.predictError).toMatch(/^LANDSCAPE_BACKEND=tensorflow, but no native TensorFlow backend loads/);
    expect(o.initError).toMatch(/^LANDSCAPE_BACKEND=tensorflow, but no native TensorFlow backend loads/);
  });

  it.skipIf(process.platform !== 'linux')('a forced webgpu backend without any adapter is an error naming what was tried', () => {
    // no Vulkan driver at all: the loader reads only this (missing) manifest
    const o = engineWith({ LANDSCAPE_BACKEND: 'webgpu', LANDSCAPE_WEBGPU_SOFTWARE: '1', VK_DRIVER_FILES: '/nonexistent/landscape_icd.json' });
    for (const message of [o.predictError, o.initError]) {
      expect(message).toMatch(/^LANDSCAPE_BACKEND=webgpu, but /);
      if (webgpuPackagesInstalled().ok) {
        expect(message).toMatch(/no WebGPU adapter/);
        expect(message).toMatch(/Tried: Dawn \(webgpu@[\d.]+\) asked for a high-performance adapter; Vulkan drivers \(from VK_DRIVER_FILES\): \/nonexistent\/landscape_icd\.json \(missing\)/);
      } else {
        expect(message).toMatch(/not installed/);
      }
    }
  });
});

describe.skipIf(skipWebgpu() || !softwareOnly())('a software adapter', () => {
  it('is refused by a forced webgpu without LANDSCAPE_WEBGPU_SOFTWARE=1', () => {
    const o = engineWith({ LANDSCAPE_BACKEND: 'webgpu' });
    expect(o.predictError).toMatch(/^LANDSCAPE_BACKEND=webgpu, but only a software adapter, .*set LANDSCAPE_WEBGPU_SOFTWARE=1/);
    expect(o.initError).toMatch(/^LANDSCAPE_BACKEND=webgpu, but only a software adapter/);
  });

  it('is never taken automatically, even where a GPU device exists', async () => {
    const found = webgpuAvailability(false, () => true);
    expect('reason' in found && found.reason).toMatch(/^only a software adapter/);
    const { activateWebgpu } = await import('../../pipeline/engine/webgpu.ts');
    const outcome = await activateWebgpu({ forced: false });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toMatch(/^only a software adapter/);
  });
});

describe.skipIf(skipWebgpu())('a forced webgpu backend', () => {
  it('trains on the adapter that was predicted, which the fingerprint names, with one worker per GPU', () => {
    const o = engineWith({ LANDSCAPE_BACKEND: 'webgpu', LANDSCAPE_WEBGPU_SOFTWARE: '1' });
    expect(o.predictError).toBeUndefined();
    expect(o.initError).toBeUndefined();
    expect(o.info!.backend).toBe('webgpu');
    expect(o.activeBackend).toBe('webgpu');
    expect(o.info!.kernels).toBe('webgpu');
    expect(o.info!.provider).toMatch(/^@tensorflow\/tfjs-backend-webgpu@[\d.]+ \+ webgpu@[\d.]+$/);
    const adapter = machineProbe().adapter!;
    expect(o.info!.adapter).toEqual({ vendor: adapter.vendor, architecture: adapter.architecture, device: adapter.device, software: adapter.software });
    expect(o.info!.driver).toBe(adapter.description);
    expect(o.samePrediction).toBe(true);
    // the prediction asked Dawn in a child process: planning never loads it
    expect(o.dawnLoadedByPrediction).toBe(false);
    expect(o.jobs).toBe(gpuCount());
    expect(Number.isFinite(o.loss)).toBe(true);
  });
});

describe('engine fingerprints', () => {
  const webgpu = (vendor: string, device: string, software = false): EngineFingerprint => ({
    backend: 'webgpu', provider: 'p', tfjs: '4.22.0', kernels: 'webgpu', adapter: { vendor, architecture: 'a', device, software },
  });

  it('tell adapters apart, so one GPU never reuses another one\'s results', () => {
    expect(sameFingerprint(webgpu('nvidia', 'h100'), webgpu('nvidia', 'h100'))).toBe(true);
    expect(sameFingerprint(webgpu('nvidia', 'h100'), webgpu('nvidia', 'a100'))).toBe(false);
    expect(sameFingerprint(webgpu('nvidia', 'h100'), webgpu('amd', 'h100'))).toBe(false);
    expect(sameFingerprint(webgpu('mesa', 'llvmpipe', true), webgpu('mesa', 'llvmpipe', false))).toBe(false);
    const wasm: EngineFingerprint = { backend: 'wasm', provider: 'p', tfjs: '4.22.0', kernels: 'xnnpack' };
    expect(sameFingerprint(wasm, { ...wasm })).toBe(true);
    expect(sameFingerprint(wasm, { ...wasm, adapter: webgpu('x', 'y').adapter! })).toBe(false);
  });

  it('give one worker per GPU on a GPU engine, one per core on a CPU engine', () => {
    const cores = availableParallelism();
    expect(isGpuEngine(webgpu('nvidia', 'h100'))).toBe(true);
    expect(isGpuEngine(webgpu('mesa', 'llvmpipe', true))).toBe(false);
    expect(defaultJobs(webgpu('nvidia', 'h100'))).toBe(gpuCount());
    // a software adapter uses every core by itself
    expect(defaultJobs(webgpu('mesa', 'llvmpipe', true))).toBe(gpuCount());
    const tf = (pkg: string): EngineFingerprint => ({ backend: 'tensorflow', provider: `${pkg}@4.22.0`, tfjs: '4.22.0', kernels: 'tensorflow' });
    expect(isGpuEngine(tf(TFJS_NODE_GPU))).toBe(true);
    expect(defaultJobs(tf(TFJS_NODE_GPU))).toBe(gpuCount());
    expect(defaultJobs(tf(TFJS_NODE_CPU))).toBe(cores);
    expect(defaultJobs({ backend: 'wasm', provider: 'p', tfjs: '4.22.0', kernels: 'xnnpack' })).toBe(cores);
    expect(defaultJobs()).toBe(cores);
  });

  it('classify adapters: software ones by Dawn\'s flag or their names, the null backend as none', () => {
    expect(describeAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h100-80gb-hbm3', description: 'NVIDIA: 550.54.15' })).toEqual(
      { vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h100-80gb-hbm3', description: 'NVIDIA: 550.54.15', software: false },
    );
    expect(describeAdapter({ vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15', isFallbackAdapter: true })!.software).toBe(true);
    expect(describeAdapter({ vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' })!.software).toBe(true);
    expect(describeAdapter({ vendor: 'google', architecture: '', device: 'swiftshader-device' })!.software).toBe(true);
    expect(describeAdapter({ vendor: 'intel', architecture: 'gen-12lp', device: 'x', isFallbackAdapter: true })!.software).toBe(true);
    expect(describeAdapter({ vendor: '', architecture: '', device: 'null-backend' })).toBeNull();
  });
});
