// npm run figures -- --plan: the arithmetic of the estimate, and the command on an empty cache
// (every training job ahead, nothing written) and on the smoke run's cache (nothing left to train).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { imageSteps, makespan, plannedWaves, wallSeconds } from '../../pipeline/work-plan/estimate.ts';
import { childEnv, smokeRun } from '../setup/smoke-run.ts';

const run = promisify(execFile);
const plan = async (args: string[]): Promise<string> =>
  (await run(process.execPath, ['--import', 'tsx', 'pipeline/cli.mjs', '--plan', ...args], { env: childEnv({ NO_COLOR: '1' }) })).stdout;

describe('the estimate', () => {
  it('puts the longest jobs first on the least busy slot, wave after wave', () => {
    // the greedy rule, not the optimum (6: 3+3 and 2+2+2)
    expect(makespan([3, 3, 2, 2, 2], 2)).toBe(7);
    expect(makespan([5, 1, 1], 8)).toBe(5);
    expect(makespan([], 4)).toBe(0);
    const spec = (name: string, epochs: number) => ({ name, net: { width: 4, bnEpsilon: 1e-5, bnCalibration: 10, evalBatch: 10 }, start: { kind: 'init' as const, stream: ['x'] }, optimizer: { kind: 'sgd' as const, learningRate: 0.1, batchSize: 10 }, epochs, stream: ['x', name], meta: {} });
    // b has 2 of its 4 epochs checkpointed
    const waves = plannedWaves([{ label: 'one', trajectories: [spec('a', 4), spec('b', 4)] }, { label: 'two', trajectories: [spec('c', 2)] }], 100, (n) => (n === 'b' ? 2 : 0));
    expect(imageSteps(waves, 100, 'all')).toBe(1000);
    expect(imageSteps(waves, 100, 'remaining')).toBe(800);
    // 0.01 s per image: wave one 4 s and 2 s (max 4 on two slots, 6 on one), wave two 2 s, +1 s start-up each
    expect(wallSeconds(waves, 100, () => 0.01, 2, 1)).toBeCloseTo(8);
    expect(wallSeconds(waves, 100, () => 0.01, 1)).toBeCloseTo(8);
  });
});

describe('npm run figures -- --plan', () => {
  it('lists every training job ahead and computes nothing', async () => {
    const cacheDir = join(await mkdtemp(join(tmpdir(), 'lf-plan-')), 'cache');
    const out = await plan(['--profile', 'smoke', '--cache-dir', cacheDir, '--slurm-max-parallel', '8']);
    expect(out).toMatch(/^plan of profile smoke \(200 training images\): computes nothing$/m);
    expect(out).toMatch(/^experiment:sgd-stages +96 +12 +38,400 +nothing +\S+ +\S+$/m);
    expect(out).toMatch(/Slurm, 8 tasks/);
    expect(out).toMatch(/^timed on this machine's engine/m);
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('finds everything cached after a run', async () => {
    const smoke = await smokeRun();
    const out = await plan(['--profile', 'smoke', '--cache-dir', smoke.cacheDir]);
    expect(out).toMatch(/^experiment:sgd-stages +96 +12 +38,400 +all \(object\) +- +-$/m);
    expect(out).toMatch(/^nothing left to train$/m);
  }, 900_000);
});
