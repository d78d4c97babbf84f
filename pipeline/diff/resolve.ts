// Which run a name on the diff's command line means, and how to read its figures' files.
//
// A run is named, in this order of precedence, by
//   1. `latest` (the newest run manifest in the cache) or `latest~N` (the N-th before it);
//   2. a path that exists: the folder of a built site (it carries its run manifest at
//      run/manifest.json and every figure's files at figures/<id>/files/<name>), or a run
//      manifest file (<cache>/runs/<id>.json, read with the objects of that cache);
//   3. a run id in the cache, or the start of exactly one.
// A name that means nothing is a RunNameError: one line, the diff exits with status 2.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Cache } from '../cache.ts';
import { listRuns, type FigureRecord, type RunManifest } from '../runs.ts';

/** Where a built site keeps the manifest of the run it shows (src/pages/run/manifest.json.ts writes it). */
export const SITE_MANIFEST = join('run', 'manifest.json');

/** Where a built site keeps a figure's downloadable files (src/pages/figures/[id]/files/[file].ts). */
export function siteFigureFile(siteDir: string, figure: string, file: string): string {
  return join(siteDir, 'figures', figure, 'files', file);
}

export class RunNameError extends Error {
  override name = 'RunNameError';
}

/** A run to compare: its manifest and a reader for the files of its built figures. */
export interface RunSource {
  /** the name it was given */
  name: string;
  /** `cache <dir>` or `site <dir>` */
  from: string;
  manifest: RunManifest;
  /** the bytes of one of a built figure's files, or null when the run does not have it */
  read(figure: FigureRecord, file: string): Promise<Buffer | null>;
}

const LATEST = /^latest(?:~(\d+))?$/;

async function readManifest(path: string, name: string): Promise<RunManifest> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new RunNameError(`${name}: cannot read the run manifest ${path} (${(error as Error).message.split('\n')[0]})`);
  }
  const m = manifest as Partial<RunManifest> | null;
  if (!m || typeof m.id !== 'string' || !Array.isArray(m.figures) || !m.profile) {
    throw new RunNameError(`${name}: ${path} is not a run manifest (no id, profile or figures)`);
  }
  return m as RunManifest;
}

const orNull = (promise: Promise<Buffer>): Promise<Buffer | null> => promise.catch(() => null);

function cacheRun(name: string, cache: Cache, manifest: RunManifest): RunSource {
  return {
    name,
    from: `cache ${cache.root}`,
    manifest,
    read: (figure, file) => (figure.renderKey ? orNull(readFile(join(cache.objectDir(figure.renderKey), file))) : Promise.resolve(null)),
  };
}

function siteRun(name: string, dir: string, manifest: RunManifest): RunSource {
  return {
    name,
    from: `site ${dir}`,
    manifest,
    read: (figure, file) => orNull(readFile(siteFigureFile(dir, figure.id, file))),
  };
}

async function fromPath(name: string, path: string, cacheDir: string): Promise<RunSource> {
  const info = await stat(path);
  if (info.isDirectory()) {
    const manifestPath = join(path, SITE_MANIFEST);
    if (await stat(manifestPath).catch(() => null)) return siteRun(name, path, await readManifest(manifestPath, name));
    if (await stat(join(path, 'runs')).catch(() => null)) {
      throw new RunNameError(`${name} is a cache folder, not a run: name a run in it (an id, latest, latest~N) with --cache-dir ${name}`);
    }
    throw new RunNameError(`${name} is a folder but not a built site (it has no ${SITE_MANIFEST}; sites built before the diff existed do not carry one: rebuild with npm run site)`);
  }
  if (path.endsWith('.json')) {
    const manifest = await readManifest(path, name);
    // a manifest lives at <cache>/runs/<id>.json; elsewhere, its objects are looked up in --cache-dir
    const root = basename(dirname(path)) === 'runs' ? dirname(dirname(path)) : cacheDir;
    return cacheRun(name, new Cache(root), manifest);
  }
  throw new RunNameError(`${name} is a file but not a run manifest (.json) or a site folder`);
}

/** The run a name means (see the top of this file). */
export async function resolveRun(name: string, options: { cacheDir: string }): Promise<RunSource> {
  const cache = new Cache(resolve(options.cacheDir));
  const ids = await listRuns(cache);
  const latest = LATEST.exec(name);
  if (latest) {
    const back = Number(latest[1] ?? 0);
    const id = ids[ids.length - 1 - back];
    if (!id) {
      throw new RunNameError(ids.length === 0 ? `${name}: no runs in ${cache.runsDir}` : `${name}: ${cache.runsDir} holds only ${ids.length} run${ids.length === 1 ? '' : 's'}`);
    }
    return cacheRun(name, cache, await readManifest(join(cache.runsDir, `${id}.json`), name));
  }
  if (await stat(name).catch(() => null)) return fromPath(name, resolve(name), options.cacheDir);
  const matches = ids.includes(name) ? [name] : ids.filter((id) => id.startsWith(name));
  if (matches.length === 1) return cacheRun(name, cache, await readManifest(join(cache.runsDir, `${matches[0]}.json`), name));
  if (matches.length > 1) throw new RunNameError(`${name}: ${matches.length} runs start with it (${matches.slice(-3).join(', ')}, ...); give more of the id`);
  const newest = ids.slice(-3).reverse();
  throw new RunNameError(
    `no run or site folder '${name}' (${newest.length ? `newest runs in ${cache.runsDir}: ${newest.join(', ')}` : `${cache.runsDir} holds no runs`}; or latest, latest~N, a site folder)`,
  );
}
