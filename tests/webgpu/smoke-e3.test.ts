// The smoke profile's E3 (Figure 3) end to end on webgpu: `npm run figures` with the backend
// forced, its jobs in a worker that checks it trains on the planned engine, the run manifest
// naming the adapter, numbers that agree with the wasm path's, and a no-op rerun that reuses
// everything without loading the engine. Minutes on a software adapter, so it runs only when
// asked: LANDSCAPE_WEBGPU_E2E=1 (.ci/run does).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Cache } from '../../pipeline/cache.ts';
import { readSnapshotIndex, type SnapshotTrajectory } from '../../pipeline/experiments/kit/snapshots.ts';
import { gpuCount } from '../../pipeline/engine/gpu-probe.ts';
import type { RunManifest } from '../../pipeline/runs.ts';
import { childEnv } from '../setup/smoke-run.ts';
import { machineProbe, skipWebgpu } from './helpers.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const wanted = process.env.LANDSCAPE_WEBGPU_E2E === '1';
let root: string | null = null;

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function figures(cacheDir: string, env: Record<string, string>): Promise<{ manifest: RunManifest; output: string; seconds: number }> {
  const args = ['--import', 'tsx', 'pipeline/cli.mjs', '--profile', 'smoke', '--only', 'fig-03', '--no-site', '--cache-dir', cacheDir];
  const started = performance.now();
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(process.execPath, args, { cwd: repoRoot, env: childEnv({ NO_COLOR: '1', ...env }), maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
  const seconds = (performance.now() - started) / 1000;
  expect(code, output.split('\n').slice(-20).join('\n')).toBe(0);
  const runs = (await readdir(join(cacheDir, 'runs'))).filter((n) => n.endsWith('.json')).sort();
  const manifest = JSON.parse(await readFile(join(cacheDir, 'runs', runs[runs.length - 1]!), 'utf8')) as RunManifest;
  return { manifest, output, seconds };
}

async function trajectories(cacheDir: string, manifest: RunManifest): Promise<SnapshotTrajectory[]> {
  const key = manifest.steps.find((s) => s.name === 'experiment:sgd-stages')!.key;
  return (await readSnapshotIndex(new Cache(cacheDir).objectDir(key))).trajectories;
}

describe.skipIf(!wanted || skipWebgpu())('the smoke profile\'s E3 on webgpu', () => {
  it('trains, records the adapter, agrees with wasm, and reruns as a no-op', async () => {
    root = await mkdtemp(join(tmpdir(), 'landscape-webgpu-e3-'));
    const webgpuEnv = { LANDSCAPE_BACKEND: 'webgpu', LANDSCAPE_WEBGPU_SOFTWARE: '1' };
    const gpu = await figures(join(root, 'webgpu'), webgpuEnv);
    const cpu = await figures(join(root, 'wasm'), { LANDSCAPE_BACKEND: 'wasm' });
    console.log(`smoke E3: ${gpu.seconds.toFixed(0)} s on webgpu, ${cpu.seconds.toFixed(0)} s on wasm`);

    const m = gpu.manifest;
    expect(m.status).toBe('ok');
    expect(m.steps.find((s) => s.name === 'experiment:sgd-stages')!.status).toBe('computed');
    expect(m.figures.find((f) => f.id === 'fig-03')!.status).toBe('built');
    const adapter = machineProbe().adapter!;
    expect(m.engine).toMatchObject({
      backend: 'webgpu',
      kernels: 'webgpu',
      initialised: true,
      driver: adapter.description,
      adapter: { vendor: adapter.vendor, architecture: adapter.architecture, device: adapter.device, software: adapter.software },
    });
    // one worker per GPU, not one per core
    const workers = gpuCount();
    expect(gpu.output).toMatch(new RegExp(`stage 1/12, ${workers} worker${workers > 1 ? 's' : ''}\\b`));

    // same trajectories: SGD amplifies rounding, so once one trajectory drifts (a small batch
    // through batch norm at width 8 can turn a last-bit difference into a few hundredths, exactly
    // as between the two CPU kernel providers), every later stage that starts from its end starts
    // from a different model. So the trajectories are compared where both runs start from the same
    // model: there most snapshots agree to 1e-4; everywhere, the two runs stay close
    const a = await trajectories(join(root, 'webgpu'), m);
    const b = await trajectories(join(root, 'wasm'), cpu.manifest);
    expect(a.map((t) => t.name)).toEqual(b.map((t) => t.name));
    const sameStart = a.flatMap((t, i) => (Math.abs(t.epochs[0]!.trainLoss - b[i]!.epochs[0]!.trainLoss) <= 1e-6 ? [[t, b[i]!] as const] : []));
    expect(sameStart.length).toBeGreaterThanOrEqual(8); // at least the first stage
    const close = sameStart.flatMap(([x, y]) => x.epochs.map((e, j) => Math.abs(e.trainLoss - y.epochs[j]!.trainLoss) <= 1e-4));
    expect(close.filter(Boolean).length / close.length).toBeGreaterThanOrEqual(0.75);
    const diffs = a.flatMap((t, i) => t.epochs.map((e, j) => Math.abs(e.trainLoss - b[i]!.epochs[j]!.trainLoss)));
    expect(diffs.every(Number.isFinite)).toBe(true);
    expect(Math.max(...diffs)).toBeLessThan(0.5);
    console.log(`webgpu vs wasm: ${sameStart.length} of ${a.length} trajectories start from the same model; ` +
      `${close.filter(Boolean).length} of ${close.length} of their snapshots agree to 1e-4; largest difference anywhere ${Math.max(...diffs).toFixed(3)}`);

    // a no-op rerun: the predicted engine (adapter included) finds every step, nothing is loaded
    const again = await figures(join(root, 'webgpu'), webgpuEnv);
    expect(again.manifest.steps.filter((s) => s.status === 'computed')).toEqual([]);
    expect(again.manifest.engine).toMatchObject({ backend: 'webgpu', initialised: false, adapter: m.engine!.adapter });
    expect(again.seconds).toBeLessThan(20);
  }, 20 * 60_000);
});
