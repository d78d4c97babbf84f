import { describe, expect, it } from 'vitest';
import { InlineRunner, WorkerPool } from '../../pipeline/workers/pool.ts';

const job = <I = unknown>(fn: string, input = {} as I, label = fn) => ({ module: 'tests/fixtures/jobs.ts', fn, input, label });

describe('the worker pool', () => {
  it('runs jobs in parallel worker processes and returns their results and progress', async () => {
    const pool = new WorkerPool(2);
    const reports: string[] = [];
    try {
      const results = await Promise.all(
        [1, 2, 3, 4].map((x) => pool.run<{ x: number }, { y: number; pid: number }>(job('square', { x }), (d, t, detail) => reports.push(`${d}/${t} ${detail}`))),
      );
      expect(results.map((r) => r.y)).toEqual([1, 4, 9, 16]);
      const pids = new Set(results.map((r) => r.pid));
      expect(pids.size).toBe(2);
      expect(pids.has(process.pid)).toBe(false);
      expect(reports).toContain('2/2 done');
    } finally {
      await pool.close();
    }
  });

  it('reports a failing job with its label, and a worker that dies, and keeps working after both', async () => {
    const pool = new WorkerPool(1);
    try {
      await expect(pool.run(job('fail', {}, 'job A'))).rejects.toThrow(/job A: this job fails on purpose/);
      await expect(pool.run(job('crash', {}, 'job B'))).rejects.toThrow(/job B: worker process exited \(code 3\)/);
      await expect(pool.run(job('missing'))).rejects.toThrow(/has no exported function missing/);
      expect((await pool.run<{ x: number }, { y: number }>(job('square', { x: 5 }))).y).toBe(25);
    } finally {
      await pool.close();
    }
  });

  it('closes promptly even while a job is still running', async () => {
    const pool = new WorkerPool(1);
    const running = pool.run(job('hang', {}, 'stuck'));
    await new Promise((r) => setTimeout(r, 1500));
    const started = performance.now();
    await pool.close();
    await expect(running).rejects.toThrow(/stuck: worker process exited/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('has an in-process runner with the same contract', async () => {
    const inline = new InlineRunner();
    expect((await inline.run<{ x: number }, { y: number; pid: number }>(job('square', { x: 3 }))).pid).toBe(process.pid);
    await expect(inline.run(job('fail'))).rejects.toThrow(/on purpose/);
  });
});
