// The bundle (npm run bundle) as a compute node meets it: unpacked into a fresh folder and run
// with `env -i`, so with no Node on PATH, no node_modules and none of this shell's settings. A
// training job run from it gives byte-identical checkpoints to the same job run from the
// repository on the same engine; gpu-check passes on a software adapter with the bundle's own
// Vulkan loader.
//
// Needs a built archive: LANDSCAPE_BUNDLE_ARCHIVE=<file> (CI builds one); skipped without it.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runData } from '../../pipeline/data/step.ts';
import { TRAJECTORY_JOB } from '../../pipeline/experiments/kit/experiment.ts';
import type { TrajectorySpec } from '../../pipeline/experiments/kit/trajectory.ts';
import type { TrajectoryJobInput, TrajectoryJobOutput } from '../../pipeline/experiments/kit/trajectory-job.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import { writeJobFile } from '../../pipeline/workers/job-file.ts';
import { WorkerPool } from '../../pipeline/workers/pool.ts';
import { TARGET_BYTES } from '../../tools/bundle/stage.ts';
import { skipWebgpu } from '../webgpu/helpers.ts';

const archive = process.env.LANDSCAPE_BUNDLE_ARCHIVE?.trim();
let root = '';
let bundle = '';

/** The usual command folders, less those holding a node: what PATH is on a node without Node. */
function pathWithoutNode(): string {
  const dirs = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  return dirs.filter((d) => existsSync(d) && !existsSync(join(d, 'node')) && !existsSync(join(d, 'nodejs'))).join(':');
}

/**
 * ./landscape under env -i: only HOME, PATH (without Node) and the settings given. Asynchronous:
 * a test worker blocked for minutes loses its line to vitest.
 */
function landscape(args: string[], settings: Record<string, string> = {}, timeoutSeconds = 300): Promise<{ code: number | null; output: string; stdout: string }> {
  const env = [`HOME=${join(root, 'home')}`, `PATH=${pathWithoutNode()}`, ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)];
  return new Promise((resolve) => {
    execFile('/usr/bin/env', ['-i', ...env, join(bundle, 'landscape'), ...args], { cwd: root, timeout: timeoutSeconds * 1000, maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}`, stdout });
    });
  });
}

function filesOf(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out[relative(dir, join(d, e.name))] = readFileSync(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

beforeAll(() => {
  if (!archive) return;
  root = mkdtempSync(join(tmpdir(), 'landscape-bundle-'));
  mkdirSync(join(root, 'home'));
  const unpack = spawnSync('tar', ['-xJf', archive, '-C', root], { encoding: 'utf8' });
  if (unpack.status !== 0) throw new Error(`cannot unpack ${archive}: ${unpack.stderr}`);
  const folder = readdirSync(root).find((name) => name.startsWith('landscape-'));
  if (!folder) throw new Error(`${archive} holds no landscape-* folder`);
  bundle = join(root, folder);
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!archive)('the bundle, unpacked and run with env -i', () => {
  it(`is one archive of at most ${TARGET_BYTES / 2 ** 20} MiB`, () => {
    expect(statSync(archive!).size).toBeLessThanOrEqual(TARGET_BYTES);
  });

  it('says its commit, engine fingerprint and Vulkan loader, with no Node on PATH', async () => {
    const path = pathWithoutNode();
    expect(spawnSync('/usr/bin/env', ['-i', `PATH=${path}`, '/bin/sh', '-c', 'command -v node nodejs']).status).not.toBe(0);
    const { code, output, stdout } = await landscape(['--version']);
    expect(code, output).toBe(0);
    expect(stdout).toMatch(/^landscape [0-9a-f]{40}.*, bundle built .*; Node v20\./m);
    const fingerprint = JSON.parse(/^engine (.*)$/m.exec(stdout)![1]!) as { backend: string };
    expect(fingerprint.backend).toBe('wasm');
    // the system's loader where there is one; the bundle's own when asked for
    expect(/^vulkan loader (.*)$/m.exec(stdout)![1]!.startsWith(bundle)).toBe(false);
    const bundled = (await landscape(['--version'], { LANDSCAPE_VULKAN_LOADER: 'bundled' })).stdout;
    expect(/^vulkan loader (.*)$/m.exec(bundled)![1]).toBe(join(bundle, 'lib', 'vulkan', 'libvulkan.so.1'));
  });

  it('runs training jobs to byte-identical checkpoints as the repository, on each CPU kernel provider it carries', async () => {
    const dataDir = join(root, 'data');
    await runData({ profile: getProfile('smoke'), params: { kind: 'synthetic', seed: 3, train: 60, test: 30 }, outDir: dataDir, log: () => {}, progress: () => {} } as never);
    const net = { width: 4, bnEpsilon: 1e-5, bnCalibration: 60, evalBatch: 60 };
    // one trajectory of each optimizer: SGD from a kicked random start, full-batch GD in chunks
    const specs: TrajectorySpec[] = [
      { name: 'sgd', net, start: { kind: 'init', stream: ['bundle', 'init'] }, perturb: { scale: 0.01, stream: ['bundle', 'kick'] },
        optimizer: { kind: 'sgd', learningRate: 0.05, batchSize: 20 }, epochs: 3, stream: ['bundle', 'sgd'], confusion: 'last', meta: {} },
      { name: 'gd', net, start: { kind: 'init', stream: ['bundle', 'init'] },
        optimizer: { kind: 'gd', learningRate: 0.1, chunkSize: 25 }, epochs: 3, stream: ['bundle', 'gd'], meta: {} },
    ];
    const providers: Array<{ kernels: string; settings: Record<string, string> }> = [{ kernels: 'wasm-simd', settings: { LANDSCAPE_NATIVE: '0', LANDSCAPE_SIMD: '1' } }];
    if (existsSync(join(bundle, 'native', 'build', 'Release', 'landscape_native.node'))) {
      providers.unshift({ kernels: 'native-openblas', settings: { LANDSCAPE_NATIVE: '1' } });
    }
    for (const { kernels, settings } of providers) {
      for (const spec of specs) {
        const what = `${kernels} ${spec.name}`;
        const input = (where: string): TrajectoryJobInput => ({ dataDir, scratchDir: join(root, `scratch-${kernels}-${spec.name}-${where}`), seed: 7, spec });
        // the repository: the pipeline's own worker pool
        const pool = new WorkerPool(1, { LANDSCAPE_BACKEND: 'wasm', ...settings });
        const ours = await pool
          .run<TrajectoryJobInput, TrajectoryJobOutput>({ module: TRAJECTORY_JOB, fn: 'runTrajectory', input: input('repository'), label: 'repository' })
          .finally(() => pool.close());
        // the bundle: a job file, as a batch scheduler would hand it over
        const jobFile = join(root, `job-${kernels}-${spec.name}.json`);
        await writeJobFile(jobFile, { module: TRAJECTORY_JOB, fn: 'runTrajectory', input: input('bundle'), label: what });
        const { code, output } = await landscape(['worker', '--job', jobFile], { LANDSCAPE_BACKEND: 'wasm', ...settings });
        expect(code, output).toBe(0);
        expect(output).toMatch(new RegExp(`^${what}: 3/3 `, 'm'));
        const theirs = JSON.parse(readFileSync(join(root, `job-${kernels}-${spec.name}.result.json`), 'utf8')) as TrajectoryJobOutput;
        expect(theirs.engine.kernels).toBe(kernels);
        expect(theirs.engine).toEqual(ours.engine);
        expect(theirs.diverged).toBeNull();
        const a = filesOf(input('repository').scratchDir);
        const b = filesOf(input('bundle').scratchDir);
        expect(Object.keys(a).length, what).toBe(8); // weights and record of epochs 0-3
        expect(Object.keys(b)).toEqual(Object.keys(a));
        for (const name of Object.keys(a)) expect(b[name]!.equals(a[name]!), `${what}: ${name}`).toBe(true);
      }
    }
  }, 300_000);

  it.skipIf(skipWebgpu())('passes gpu-check --software on a software adapter with its own Vulkan loader', async () => {
    const out = join(root, 'gpu-check.json');
    const { code, output } = await landscape(['gpu-check', '--software', '--batches', '100', '--budget', '200', '--no-torch', '--out', out], { LANDSCAPE_VULKAN_LOADER: 'bundled' });
    expect(code, output).toBe(0);
    expect(output).toMatch(new RegExp(`^\\s+libvulkan\\s+${join(bundle, 'lib', 'vulkan', 'libvulkan.so.1')} \\(the bundle's own\\)$`, 'm'));
    expect(output).toMatch(/verdict\s+pass/);
    expect(output).toMatch(/webgpu 100\s+[\d.]+ images\/s/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { failures: string[]; program: { commit: string } };
    expect(report.failures).toEqual([]);
    expect(report.program.commit).toMatch(/^[0-9a-f]{40}$/);
  }, 330_000);
});
