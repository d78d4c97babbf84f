// The folders a command writes (--cache-dir, --site-dir), checked once, before any work, within a
// bounded time: a folder under a regular file, on a pseudo-filesystem (the kernel's process table,
// where a recursive mkdir never returns), not writable, or on a full disk is refused in one line,
// instead of failing step after step, or hanging.
import { constants } from 'node:fs';
import { access, mkdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tempNameFor } from './atomic-write.ts';

export interface FolderToCheck {
  /** how the user named it, e.g. '--cache-dir' */
  option: string;
  path: string;
}

/** Kernel file systems that hold no files of ours (statfs magic numbers, linux/magic.h). */
const PSEUDO_FILESYSTEMS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0x6165676c: 'pstore',
  0xcafe4a11: 'bpf',
  0x62656570: 'configfs',
  0x42494e4d: 'binfmt_misc',
};

/** Below this much free space a run cannot write even its smallest artifacts and site. */
export const MIN_FREE_BYTES = 64 * 2 ** 20;
const CHECK_TIMEOUT_MS = 10_000;

/** The path itself if it exists, else its nearest existing ancestor. */
async function nearestExisting(path: string): Promise<{ path: string; isDirectory: boolean }> {
  for (let p = path; ; p = dirname(p)) {
    const info = await stat(p).catch(() => null);
    if (info) return { path: p, isDirectory: info.isDirectory() };
    if (dirname(p) === p) return { path: p, isDirectory: true };
  }
}

async function checkFolder({ option, path }: FolderToCheck): Promise<string | null> {
  const found = await nearestExisting(path);
  if (!found.isDirectory) {
    return found.path === path ? `${option} ${path} is a file, not a folder` : `${option} ${path} cannot be created: ${found.path} is a file, not a folder`;
  }
  const fs = await statfs(found.path);
  const pseudo = PSEUDO_FILESYSTEMS[Number(fs.type)];
  if (pseudo) return `${option} ${path} is on the kernel's ${pseudo} pseudo-filesystem, which cannot hold files`;
  try {
    await access(found.path, constants.W_OK);
    await mkdir(path, { recursive: true });
    // access() trusts permission bits; a read-only mount only shows when writing
    const probe = tempNameFor(join(path, '.write-check'));
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return `${option} ${path}: no space left on its file system`;
    return `${option} ${path} is not writable (${code ?? (error as Error).message})`;
  }
  const free = Number(fs.bavail) * Number(fs.bsize);
  if (free < MIN_FREE_BYTES) return `${option} ${path}: only ${(free / 2 ** 20).toFixed(1)} MiB free on its file system (at least ${MIN_FREE_BYTES / 2 ** 20} MiB needed)`;
  return null;
}

/** The first problem with any of the folders, in one line, or null when all are usable. */
export async function checkFolders(folders: FolderToCheck[], timeoutMs = CHECK_TIMEOUT_MS): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`${folders.map((f) => `${f.option} ${f.path}`).join(', ')}: the file system did not answer within ${timeoutMs / 1000} s`), timeoutMs);
  });
  try {
    const checks = (async () => {
      for (const folder of folders) {
        const problem = await checkFolder(folder);
        if (problem) return problem;
      }
      return null;
    })();
    return await Promise.race([checks, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether an error means the disk (or quota) is full; a worker's error keeps only its message. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || /\b(ENOSPC|EDQUOT)\b|no space left on device/i.test(String((error as Error)?.message ?? error));
}

/** One line for a run stopped by a full disk: nothing cached was lost (objects are written whole). */
export function diskFullMessage(error: unknown, cacheDir: string | undefined): string {
  const detail = String((error as Error)?.message ?? error).split('\n')[0];
  return `no space left on the device${cacheDir ? ` of ${cacheDir}` : ''} (${detail}); the run stopped, and every object already in the cache is whole: free some space and run again`;
}
