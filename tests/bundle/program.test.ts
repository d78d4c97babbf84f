// The program the bundle is compiled from, checked in the repository (no bundle needed): the
// entry carries every job module, each exists with an exported function, and the command line's
// `worker` runs a job file as the pool runs a job and writes its result.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../pipeline/root.ts';
import { writeJobFile } from '../../pipeline/workers/job-file.ts';
import { JOB_MODULES } from '../../pipeline/steps.ts';
import { entrySource } from '../../tools/bundle/compile.ts';

const scratch = mkdtempSync(join(tmpdir(), 'landscape-program-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function landscape(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/landscape.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the bundled program', () => {
  it('compiles in every job module a step declares, each a module with exported functions', async () => {
    const source = entrySource();
    expect(JOB_MODULES.length).toBeGreaterThan(0);
    for (const module of JOB_MODULES) {
      expect(existsSync(join(ROOT, module)), module).toBe(true);
      expect(source).toContain(`import(${JSON.stringify(`./${module}`)})`);
      const exported = Object.values((await import(join(ROOT, module))) as Record<string, unknown>);
      expect(exported.some((v) => typeof v === 'function'), module).toBe(true);
    }
  });

  it('worker --job runs a job file in a worker process, reports progress and writes the result', async () => {
    const job = join(scratch, 'square.json');
    await writeJobFile(job, { module: 'tests/fixtures/jobs.ts', fn: 'square', input: { x: 7 }, label: 'seven' });
    const { code, stdout, stderr } = landscape(['worker', '--job', job]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^seven: tests\/fixtures\/jobs\.ts square$/m);
    expect(stdout).toMatch(/^seven: 2\/2 done$/m);
    const result = JSON.parse(readFileSync(join(scratch, 'square.result.json'), 'utf8')) as { y: number; pid: number };
    expect(result.y).toBe(49);
  });

  it('worker --job fails with the reason in one line and writes no result', async () => {
    const job = join(scratch, 'fail.json');
    await writeJobFile(job, { module: 'tests/fixtures/jobs.ts', fn: 'fail', input: {} });
    const { code, stderr } = landscape(['worker', '--job', job, '--out', join(scratch, 'fail-out.json')]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('fail.json: this job fails on purpose');
    expect(existsSync(join(scratch, 'fail-out.json'))).toBe(false);
    expect(landscape(['worker']).stderr).toMatch(/^landscape: worker needs --job <file>/m);
    expect(landscape(['nonsense']).code).toBe(2);
  });

  it('worker --job stopped by SIGTERM (a time limit) exits with 143 and says so', async () => {
    const job = join(scratch, 'hang.json');
    await writeJobFile(job, { module: 'tests/fixtures/jobs.ts', fn: 'hang', input: {}, label: 'endless' });
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/landscape.ts', 'worker', '--job', job], { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    // once the job has started in its worker process
    const deadline = Date.now() + 60_000;
    while (!/^endless: tests\/fixtures\/jobs\.ts hang$/m.test(output) && child.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, output).toBe(143);
    expect(output).toMatch(/^endless: stopped by SIGTERM; its checkpoints so far are kept$/m);
    expect(existsSync(join(scratch, 'hang.result.json'))).toBe(false);
  });
});
