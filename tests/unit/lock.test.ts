// The lock per key: one holder at a time, waiters get it when it is released, and a holder that
// was killed (SIGKILL: no chance to release) does not leave it stuck.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, sweepStaleLocks } from '../../pipeline/lock.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-lock-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** A process that takes the lock, says so, and holds it until it is killed. */
function holder(name: string): Promise<{ pid: number }> {
  const script = `
    import { acquireLock } from ${JSON.stringify(join(process.cwd(), 'pipeline/lock.ts'))};
    await acquireLock(${JSON.stringify(dir)}, ${JSON.stringify(name)});
    process.stdout.write('held\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve({ pid: child.pid! }));
    child.on('exit', (code) => reject(new Error(`the holder exited (${code}) before taking the lock`)));
  });
}

describe('the lock per key', () => {
  it('lets one holder in at a time; a waiter gets it once it is released', async () => {
    const first = await acquireLock(dir, 'k');
    const order: string[] = [];
    let waited = '';
    const second = acquireLock(dir, 'k', { pollMs: 20, onWait: (h) => (waited = h) }).then((l) => {
      order.push('second');
      return l;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(order).toEqual([]);
    expect(waited).toBe(`process ${process.pid}`);
    order.push('released');
    await first.release();
    await (await second).release();
    expect(order).toEqual(['released', 'second']);
    expect(await readdir(dir)).toEqual([]);
  });

  it('is taken over from a holder killed with SIGKILL, at once', async () => {
    const { pid } = await holder('k');
    expect(JSON.parse(await readFile(join(dir, 'k'), 'utf8')).pid).toBe(pid);
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const lock = await acquireLock(dir, 'k', { pollMs: 20 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(JSON.parse(await readFile(join(dir, 'k'), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('sweeps the locks of dead holders and their half-written files, and keeps live ones', async () => {
    const { pid } = await holder('dead');
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    const live = await acquireLock(dir, 'live');
    await writeFile(join(dir, `x.${pid}.abcd1234.tmp`), '{');
    await sweepStaleLocks(dir);
    expect((await readdir(dir)).sort()).toEqual(['live']);
    await live.release();
  });

  it('treats a lock with unreadable content as held until it is old', async () => {
    await writeFile(join(dir, 'k'), 'not json');
    let waited = false;
    const attempt = acquireLock(dir, 'k', { pollMs: 20, onWait: () => (waited = true) });
    await new Promise((r) => setTimeout(r, 100));
    expect(waited).toBe(true);
    await rm(join(dir, 'k'));
    await (await attempt).release();
  });
});
