// Writes a file whole or not at all: into a temporary file of its own (named by process and a
// random tag, so two processes writing the same path never share one), renamed into place.
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export function tempNameFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = tempNameFor(path);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The writer of a temporary file named by tempNameFor, or null for another name. */
export function tempWriter(name: string): number | null {
  const match = /\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
  return match ? Number(match[1]) : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temporary files in `dir` whose writers have died (killed between write and rename). */
export async function removeOrphanTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = tempWriter(name);
    if (pid !== null && pid !== process.pid && !alive(pid)) await rm(join(dir, name), { force: true });
  }
}
