// The Slurm executor against a fake scheduler (fake-slurm.mjs: sbatch, scontrol and scancel on
// PATH, running array tasks on this machine): a kit experiment's waves go out as job arrays whose
// tasks run the worker entry point over the shared folder, and give byte for byte the snapshot
// artifact of the local worker pool; a task that fails on its node is reported and retried; a
// task cancelled in the middle of a checkpoint resumes from the checkpoints before it; a job
// never runs twice at once; a cache the nodes do not see is refused.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluations } from '../../pipeline/experiments/kit/evaluations.ts';
import { addTrajectories, SnapshotWriter } from '../../pipeline/experiments/kit/snapshots.ts';
import type { TrajectorySpec } from '../../pipeline/experiments/kit/trajectory.ts';
import { runTrajectories, type Wave } from '../../pipeline/experiments/kit/trajectories.ts';
import type { StepContext } from '../../pipeline/step.ts';
import { WorkerPool, type JobRunner } from '../../pipeline/workers/pool.ts';
import { sharedCacheProblem } from '../../pipeline/workers/slurm/probe.ts';
import { SlurmRunner } from '../../pipeline/workers/slurm/runner.ts';
import { makeToy, toyNet, toyGdBranch, toySgdTrajectory, type Toy } from '../kit/toy.ts';

const SEED = 5;
const a: TrajectorySpec = toySgdTrajectory(3);
const c: TrajectorySpec = { ...a, name: 'c', start: { kind: 'init', stream: ['toy', 'init-c'] }, stream: ['toy', 'c'], confusion: 'none' };
const b: TrajectorySpec = toyGdBranch(2, { role: 'branch' });
const waves: Wave[] = [
  { label: 'first', trajectories: [a, c] },
  { label: 'second', trajectories: [b] },
];

let toy: Toy;
let local: Map<string, Buffer>;
const savedEnv = { ...process.env };

beforeAll(async () => {
  toy = await makeToy('lf-slurm-');
  process.env.PATH = `${resolve('tests/slurm/fake-bin')}:${process.env.PATH}`;
  process.env.FAKE_SLURM_DIR = join(toy.root, 'fake-slurm');
  // the reference: the same waves in the local worker pool
  const pool = new WorkerPool(2);
  try {
    local = await runAndRead(toy.context('local'), pool);
  } finally {
    await pool.close();
  }
}, 120_000);
afterEach(() => {
  for (const name of ['FAKE_SLURM_FAIL_TASK', 'LANDSCAPE_TRACE', 'LANDSCAPE_FAILPOINT']) delete process.env[name];
});
afterAll(async () => {
  process.env = savedEnv;
  await toy?.remove();
});

/** Runs the waves with `jobs`, writes the snapshot artifact, and returns its files' bytes. */
async function runAndRead(ctx: StepContext, jobs: JobRunner): Promise<Map<string, Buffer>> {
  const run = { ...ctx, jobs };
  const outcomes = await runTrajectories(run, SEED, waves);
  await mkdir(run.outDir, { recursive: true });
  const writer = new SnapshotWriter(run.outDir);
  await addTrajectories(writer, run.scratchDir, waves.flatMap((w) => w.trajectories), outcomes);
  await writer.close({ toy: true });
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(run.outDir)).sort()) files.set(name, await readFile(join(run.outDir, name)));
  return files;
}

function slurm(name: string, logs: string[], retries = 1): SlurmRunner {
  return new SlurmRunner({ dir: join(toy.root, name, 'slurm'), lockDir: join(toy.root, 'locks'), retries, log: (_, m) => logs.push(m), pollMs: 200, graceMs: 2_000 });
}

function expectSameFiles(files: Map<string, Buffer>): void {
  expect([...files.keys()]).toEqual([...local.keys()]);
  for (const [name, bytes] of files) expect(bytes.equals(local.get(name)!), name).toBe(true);
}

describe('the Slurm executor', () => {
  it('runs each wave as one job array and gives the local pool’s data byte for byte', async () => {
    const logs: string[] = [];
    const runner = slurm('plain', logs);
    try {
      expectSameFiles(await runAndRead(toy.context('plain'), runner));
      // derived models are evaluated as array tasks too, with the same numbers as the pool's
      const ctx = { ...toy.context('plain'), jobs: runner };
      const models = [{ name: 'a3', mix: [{ coefficient: 1, source: { kind: 'checkpoint' as const, scratchDir: ctx.scratchDir, trajectory: 'a', width: 3, epoch: 3 } }] }];
      const viaSlurm = await runEvaluations(ctx, toyNet(3), models, 'toy');
      const pool = new WorkerPool(1);
      const viaPool = await runEvaluations({ ...ctx, jobs: pool }, toyNet(3), models, 'toy').finally(() => pool.close());
      expect(viaSlurm).toEqual(viaPool);
    } finally {
      await runner.close();
    }
    const arrays = runner.records();
    expect(arrays.map((r) => r.tasks.map((t) => t.job))).toEqual([['a', 'c'], ['b'], ['toy 1/1']]);
    expect(logs.filter((l) => /^submitted \d task/.test(l))).toHaveLength(3);
    for (const task of arrays.flatMap((r) => r.tasks)) {
      expect(task.tries).toHaveLength(1);
      expect(task.tries[0]).toMatchObject({ state: 'COMPLETED', exitCode: 0, node: 'fake-node' });
      expect(task.tries[0]!.seconds).toBeGreaterThan(0);
      expect(task.tries[0]!.id).toBe(`${arrays.find((r) => r.tasks.includes(task))!.jobIds[0]}_${task.index}`);
    }
  }, 180_000);

  it('reports a task that failed on its node, with its Slurm id, exit code and log, and retries it', async () => {
    process.env.FAKE_SLURM_FAIL_TASK = '1';
    const logs: string[] = [];
    const runner = slurm('retried', logs);
    try {
      expectSameFiles(await runAndRead(toy.context('retried'), runner));
    } finally {
      await runner.close();
    }
    const first = runner.records()[0]!;
    expect(first.jobIds).toHaveLength(2);
    expect(first.tasks[1]!.tries.map((t) => [t.state, t.exitCode])).toEqual([['FAILED', 7], ['COMPLETED', 0]]);
    const report = logs.find((l) => l.startsWith('c: Slurm task'))!;
    expect(report).toContain(`Slurm task ${first.jobIds[0]}_1 FAILED, exit code 7`);
    expect(report).toContain('fake node: simulated failure');
  }, 180_000);

  it('fails the job in one line once its retries are used', async () => {
    process.env.FAKE_SLURM_FAIL_TASK = '0';
    const runner = slurm('exhausted', [], 0);
    try {
      await expect(runTrajectories({ ...toy.context('exhausted'), jobs: runner }, SEED, waves.slice(0, 1))).rejects.toThrow(/^a: Slurm task \d+_0 failed \(exit code 7, FAILED\), its one try used \(--retries 0\); log: .*task-0\.try-1\.log$/);
    } finally {
      await runner.close();
    }
  }, 120_000);

  it('resumes a task cancelled in the middle of a checkpoint from the epochs before it', async () => {
    const trace = join(toy.root, 'cancel.trace');
    process.env.LANDSCAPE_TRACE = trace;
    // the first try of `a` stops dead between its epoch-2 weights and record
    process.env.LANDSCAPE_FAILPOINT = 'checkpoint-weights a 2';
    const logs: string[] = [];
    const runner = slurm('cancelled', logs);
    const ctx = toy.context('cancelled');
    try {
      const running = runAndRead(ctx, runner);
      await waitFor(async () => (await readFile(trace, 'utf8').catch(() => '')).includes('"frozen"'));
      // the retry runs without the failpoint (a task takes its environment at submission)
      delete process.env.LANDSCAPE_FAILPOINT;
      const jobId = /Slurm job array (\d+)/.exec(logs[0]!)![1]!;
      execFileSync('scancel', [`${jobId}_0`]);
      expectSameFiles(await running);
    } finally {
      await runner.close();
    }
    const tries = runner.records()[0]!.tasks[0]!.tries;
    expect(tries.map((t) => t.state)).toEqual(['CANCELLED', 'COMPLETED']);
    // the retry trained epochs 2 and 3 only: epoch 1 came from its checkpoint
    const lines = (await readFile(trace, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: string; detail?: string });
    const recorded = lines.filter((l) => l.event === 'checkpoint-record' && l.detail?.startsWith('a ')).map((l) => l.detail);
    expect(recorded).toEqual(['a 0', 'a 1', 'a 2', 'a 3']);
  }, 180_000);

  it('runs a job only once at a time, whoever submits it', async () => {
    const trace = join(toy.root, 'twice.trace');
    process.env.LANDSCAPE_TRACE = trace;
    const one = slurm('twice-1', []);
    const two = slurm('twice-2', []);
    // two runs of the same jobs (one scratch folder), each writing its own artifact
    const ctx = toy.context('twice');
    try {
      const [x, y] = await Promise.all([runAndRead(ctx, one), runAndRead({ ...ctx, outDir: join(toy.root, 'twice', 'out-2') }, two)]);
      expectSameFiles(x);
      expectSameFiles(y);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
    // every epoch's checkpoint was written once: the second task of each job waited, then resumed
    const lines = (await readFile(trace, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: string; detail?: string });
    const written = lines.filter((l) => l.event === 'checkpoint-record').map((l) => l.detail!);
    expect(written.length).toBe(new Set(written).size);
    expect(written.length).toBe(4 + 4 + 3);
  }, 240_000);

  it('refuses a cache folder the nodes do not see', async () => {
    const shared = join(toy.root, 'probe-shared');
    expect(await sharedCacheProblem(shared, {})).toBeNull();
    const hidden = join(toy.root, 'probe-hidden');
    await mkdir(hidden, { recursive: true });
    process.env.FAKE_SLURM_NODE_TMPFS = hidden;
    try {
      if (!canUnshare()) return;
      const problem = await sharedCacheProblem(hidden, {}, () => {}, 1_000);
      expect(problem).toMatch(new RegExp(`^--cache-dir ${hidden} is not shared with the Slurm nodes: the probe job \\d+ ran on node fake-node but ended (COMPLETED|FAILED) and its file never appeared here`));
    } finally {
      delete process.env.FAKE_SLURM_NODE_TMPFS;
    }
  }, 60_000);
});

function canUnshare(): boolean {
  try {
    execFileSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs none /mnt'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
