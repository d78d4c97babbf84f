// A lock per name (a cache key, a site folder) shared by every process on the machine that uses
// the same folder of locks: one holder at a time, and one that died cannot leave it stuck.
//
// The lock is a file created whole in one step (written aside, then hard-linked to its name,
// which fails if the name exists). It records the holder's host, pid and process start time, and
// the holder touches it every few seconds. It is stale, and taken over, when its holder is on
// this host and no longer alive (or its pid now belongs to a later process), or when it is on
// another host (a shared file system) and has not been touched for a minute.
import { readFileSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { removeOrphanTemps, tempNameFor, tempWriter } from './atomic-write.ts';

interface Holder {
  host: string;
  pid: number;
  /** the process's start time (Linux: clock ticks since boot), to tell a reused pid apart */
  started: string | null;
}

export interface HeldLock {
  release(): Promise<void>;
}

const HEARTBEAT_MS = 5_000;
const FOREIGN_STALE_MS = 60_000;

function startTime(pid: number): string | null {
  try {
    // field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces)
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

const self: Holder = { host: hostname(), pid: process.pid, started: startTime(process.pid) };

function alive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return holder.started === null || startTime(holder.pid) === holder.started;
}

async function readHolder(path: string): Promise<{ holder: Holder | null; touched: number } | null> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let holder: Holder | null = null;
    try {
      holder = JSON.parse(text) as Holder;
    } catch {
      holder = null;
    }
    return { holder, touched: info.mtimeMs };
  } catch {
    return null;
  }
}

function stale(found: { holder: Holder | null; touched: number }): boolean {
  const { holder, touched } = found;
  if (!holder || holder.host !== self.host) return Date.now() - touched > FOREIGN_STALE_MS;
  return !alive(holder);
}

export interface LockOptions {
  /** called once when the lock is held by another live process and this one starts to wait */
  onWait?: (holder: string) => void;
  pollMs?: number;
  /** do not wait: give up (null) when another live process holds it */
  noWait?: boolean;
}

/** Takes the lock `name` in `dir`, waiting as long as a live process holds it (or, with noWait, null). */
export async function acquireLock(dir: string, name: string, options: LockOptions & { noWait: true }): Promise<HeldLock | null>;
export async function acquireLock(dir: string, name: string, options?: LockOptions): Promise<HeldLock>;
export async function acquireLock(dir: string, name: string, options: LockOptions = {}): Promise<HeldLock | null> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  const mine = tempNameFor(path);
  await writeFile(mine, JSON.stringify(self));
  let waiting = false;
  try {
    for (;;) {
      try {
        await link(mine, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const found = await readHolder(path);
      if (found && stale(found)) {
        await takeOver(path, found.holder);
        continue;
      }
      if (found && options.noWait) return null;
      if (found && !waiting) {
        waiting = true;
        options.onWait?.(found.holder ? `process ${found.holder.pid}${found.holder.host === self.host ? '' : ` on ${found.holder.host}`}` : 'another process');
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
    }
  } finally {
    await rm(mine, { force: true });
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    async release() {
      clearInterval(heartbeat);
      const found = await readHolder(path);
      if (found?.holder && found.holder.pid === self.pid && found.holder.host === self.host) await rm(path, { force: true });
    },
  };
}

/** Removes the locks in `dir` whose holders have died (a run killed while it held them). */
export async function sweepStaleLocks(dir: string): Promise<void> {
  // locks being written or moved aside by processes that died meanwhile
  await removeOrphanTemps(dir);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (tempWriter(name) !== null) continue;
    const found = await readHolder(join(dir, name));
    if (found && stale(found)) await takeOver(join(dir, name), found.holder);
  }
}

/**
 * Removes a stale lock. It is moved aside first (one atomic step), so that of two processes
 * taking over the same stale lock, the second cannot remove the lock the first has just made:
 * if what it moved aside is not the stale lock it saw, it puts it back.
 */
async function takeOver(path: string, seen: Holder | null): Promise<void> {
  const aside = tempNameFor(path);
  try {
    await rename(path, aside);
  } catch {
    return; // gone meanwhile
  }
  const moved = await readHolder(aside);
  const same = JSON.stringify(moved?.holder ?? null) === JSON.stringify(seen);
  if (!same) await link(aside, path).catch(() => {});
  await rm(aside, { force: true });
}
