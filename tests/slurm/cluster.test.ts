// The smoke profile on a real one-node Slurm cluster (CI starts one with .ci/slurm/cluster.sh and
// sets LANDSCAPE_SLURM_CLUSTER=1; skipped elsewhere): with --executor slurm, and one array task
// cancelled (scancel of one element) in the middle of an epoch, the run completes with every
// figure file byte-identical to the local executor's run (the shared smoke run), every step
// computed once, the cancelled task retried, and the run page listing each task.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRunManifestFile, type RunManifest } from '../../pipeline/runs.ts';
import { resultPath } from '../../pipeline/workers/slurm/array.ts';
import { runSmokePipeline, smokeRun, type SmokeRun } from '../setup/smoke-run.ts';

const CLUSTER = process.env.LANDSCAPE_SLURM_CLUSTER === '1';
const sh = promisify(execFile);

let local: RunManifest;
let localRun: SmokeRun;
beforeAll(async () => {
  if (!CLUSTER) return;
  localRun = await smokeRun();
  local = await readRunManifestFile(localRun.manifestPath);
}, 20 * 60_000);

function expectSameFigures(run: RunManifest): void {
  const built = local.figures.filter((f) => f.status === 'built');
  expect(built.length).toBeGreaterThan(0);
  for (const figure of built) expect(run.figures.find((f) => f.id === figure.id)?.files, figure.id).toEqual(figure.files);
}

/** Every step that was computed, computed by one process once: no key twice. */
async function keysComputedTwice(traceFile: string): Promise<string[]> {
  const lines = (await readFile(traceFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: string; detail?: string });
  const commits = lines.filter((l) => l.event === 'commit').map((l) => l.detail!);
  return commits.filter((c, i) => commits.indexOf(c) !== i);
}

describe.skipIf(!CLUSTER)('the smoke profile with --executor slurm on a one-node cluster', () => {
  // one run (the tasks' start-ups make it minutes on two cores): a task cancelled mid-epoch in it
  it('gives the local executor’s figures byte for byte, with one task cancelled in the middle of an epoch', async () => {
    const running = runSmokePipeline(await mkdtemp(join(tmpdir(), 'landscape-slurm-')), ['--executor', 'slurm']);
    const cancelled = await cancelOneMidEpoch(running);
    const run = await running;
    console.log(`smoke profile, cold, site included: local executor ${localRun.seconds.toFixed(1)} s, Slurm executor ${run.seconds.toFixed(1)} s (task ${cancelled} cancelled and retried)`);
    const manifest = await readRunManifestFile(run.manifestPath);
    expectSameFigures(manifest);
    expect(await keysComputedTwice(run.traceFile)).toEqual([]);
    expect(run.output).toContain(`Slurm task ${cancelled} CANCELLED`);
    const arrays = manifest.executor?.kind === 'slurm' ? manifest.executor.arrays : [];
    const tasks = arrays.flatMap((a) => a.tasks);
    expect(tasks.length).toBeGreaterThan(0);
    for (const task of tasks) {
      const retried = task.tries[0]!.id === cancelled;
      expect(task.tries.map((t) => t.state)).toEqual(retried ? ['CANCELLED', 'COMPLETED'] : ['COMPLETED']);
      expect(task.tries.at(-1)).toMatchObject({ exitCode: 0, node: hostname().split('.')[0] });
      expect(task.tries.at(-1)!.seconds).toBeGreaterThan(0);
    }
    expect(tasks.filter((t) => t.tries.length === 2)).toHaveLength(1);
    const page = await readFile(join(run.siteDir, 'run', 'index.html'), 'utf8');
    expect(page).toContain('data-testid="slurm-tasks"');
    expect(page).toContain(cancelled);
  }, 20 * 60_000);
});

/**
 * Finds a running array task whose log shows it between two epochs of a trajectory of several
 * (epoch k of n done, 0 < k < n), cancels it with scancel, and returns its id once Slurm reports it
 * cancelled. The task is suspended while its files are read again, then resumed and cancelled at
 * once: a fast task could otherwise finish its job between the look and the cancel (the executor
 * then rightly takes its result). One that has a result or no longer shows 0 < k < n is let go.
 */
async function cancelOneMidEpoch(exited: Promise<unknown>): Promise<string> {
  let over = false;
  const end = (): void => void (over = true);
  exited.then(end, end);
  const state = (id: string): string => /JobState=(\w+)/.exec(execFileSync('scontrol', ['-o', 'show', 'job', id]).toString())?.[1] ?? '';
  const until = async (id: string, wanted: string): Promise<boolean> => {
    for (let i = 0; i < 50; i++) {
      if (state(id) === wanted) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };
  const midEpoch = async (log: string): Promise<boolean> => {
    const progress = [...(await readFile(log, 'utf8')).matchAll(/: (\d+)\/(\d+) epoch/g)].pop();
    return !!progress && Number(progress[1]) >= 1 && Number(progress[1]) < Number(progress[2]);
  };
  while (!over) {
    const { stdout } = await sh('squeue', ['-h', '-t', 'RUNNING', '-o', '%i']);
    for (const id of stdout.split('\n').map((l) => l.trim()).filter((l) => l.includes('_'))) {
      const log = /StdOut=(\S+)/.exec(execFileSync('scontrol', ['-o', 'show', 'job', id]).toString())?.[1];
      if (!log || !existsSync(log) || !(await midEpoch(log))) continue;
      try {
        execFileSync('scontrol', ['suspend', id], { stdio: 'ignore' });
      } catch {
        continue; // it ended meanwhile
      }
      if (!(await until(id, 'SUSPENDED'))) continue;
      const finished = existsSync(resultPath(dirname(log), Number(id.split('_')[1])));
      const stillMid = !finished && (await midEpoch(log));
      // resumed before the cancel: a task cancelled while suspended was once left hanging
      execFileSync('scontrol', ['resume', id]);
      if (!stillMid) continue;
      execFileSync('scancel', [id]);
      if (await until(id, 'CANCELLED')) return id;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the run ended before a task could be cancelled in the middle of an epoch');
}
