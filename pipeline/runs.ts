// Run manifests: cache/runs/<id>.json says exactly what one `npm run figures` ran, with what,
// how long each step took, which steps were reused, and the hashes of every figure's files.
// The site and the diff read these manifests and the objects they name, nothing else.
import { link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { cpus, arch, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { CATALOG } from '../figures/catalog.ts';
import type { Cache, ObjectManifest } from './cache.ts';
import type { ClaimResult } from './claims/types.ts';
import type { EngineFingerprint } from './engine/fingerprint.ts';
import type { Plan } from './plan.ts';
import type { Overrides } from './overrides.ts';
import type { Profile } from './profiles.ts';
import type { StepOutcome } from './runner.ts';
import type { ExecutorRecord } from './workers/slurm/records.ts';
import { tempNameFor } from './atomic-write.ts';
import { parseWithDigest, withDigest } from './digest.ts';
import { trace } from './trace.ts';

export interface FigureRecord {
  id: string;
  title: string;
  source: 'seed' | 'reconstructed';
  status: 'built' | 'missing';
  /** why a figure is missing (no module yet, not requested and never built, or its step failed) */
  reason?: string;
  figureKey?: string;
  renderKey?: string;
  /** file name -> SHA-256, for spec.vl.json, figure.svg, figure.png and the CSVs */
  files?: Record<string, string>;
  /** made from a CIFAR-10 copy whose files are not the official ones (--allow-unofficial-data) */
  unofficialData?: true;
}

export interface RunManifest {
  id: string;
  status: 'ok' | 'failed';
  error?: string;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  command: string[];
  /** the profile as run: with the overrides in place */
  profile: Profile;
  /** settings changed from the profile with --set (absent or empty: none) */
  overrides?: Overrides;
  git: { commit: string | null; dirty: boolean | null };
  environment: {
    node: string;
    platform: string;
    cpu: string;
    cores: number;
    memoryGiB: number;
  };
  /** the engine; `driver`: for webgpu, the adapter's driver description (shown, not keyed) */
  engine: (EngineFingerprint & { initialised: boolean; notes?: string[]; driver?: string }) | null;
  dataset: { key: string; info: unknown } | null;
  seeds: { root: number };
  steps: StepOutcome[];
  figures: FigureRecord[];
  /** what ran the training jobs: the local worker pool, or Slurm with its arrays and tasks */
  executor?: ExecutorRecord;
  /** every claim of the paper the run's experiments check, with its result */
  claims?: ClaimResult[];
  site?: { status: 'built' | 'reused' | 'skipped' | 'failed'; seconds: number; dir?: string; error?: string };
  /** SHA-256 of the rest of the manifest (digest.ts): a damaged manifest is found when read */
  digest?: string;
}

/** The reason a run records for a figure that has no module yet (the diff tells it from a failed one). */
export const NO_MODULE_REASON = 'not computed yet: no figure module';

export function newRunId(profile: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-').replace('Z', '');
  return `${stamp}-${profile}`;
}

export function environment(): RunManifest['environment'] {
  const cpu = cpus();
  return {
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
}

/** Figure records for the manifest: built ones with their file hashes, the rest with a reason. */
export async function figureRecords(cache: Cache, plan: Plan, outcomes: StepOutcome[]): Promise<FigureRecord[]> {
  const status = new Map(outcomes.map((o) => [o.name, o]));
  const data = plan.profile.data;
  const unofficial = data.kind === 'cifar' && data.unofficial !== undefined;
  const records: FigureRecord[] = [];
  for (const entry of CATALOG) {
    const base = { id: entry.id, title: entry.title, source: entry.source };
    if (!entry.build) {
      records.push({ ...base, status: 'missing', reason: NO_MODULE_REASON });
      continue;
    }
    const render = status.get(`render:${entry.id}`);
    const figure = status.get(`figure:${entry.id}`);
    const ok = (o?: StepOutcome) => o && (o.status === 'reused' || o.status === 'computed' || o.status === 'available');
    if (!ok(render) || !ok(figure)) {
      // the figure's own steps say why: failed, blocked by a failed input, or never built
      const own = [figure, render].find((o) => o && (o.status === 'failed' || o.status === 'blocked'));
      const reason = own ? `${own.name} ${own.status}${own.note ? `: ${own.note}` : ''}` : 'not requested in this run and not in the cache';
      records.push({ ...base, status: 'missing', reason });
      continue;
    }
    const manifest = JSON.parse(await readFile(join(cache.objectDir(render!.key), 'manifest.json'), 'utf8')) as ObjectManifest;
    records.push({
      ...base,
      status: 'built',
      figureKey: figure!.key,
      renderKey: render!.key,
      files: Object.fromEntries(Object.entries(manifest.files).map(([f, v]) => [f, v.sha256])),
      ...(unofficial ? { unofficialData: true as const } : {}),
    });
  }
  return records;
}

/**
 * Writes the run manifest (with its digest, temp file + rename). The first write of a run
 * (`fresh`) never replaces another run's manifest: should two runs have started within the same
 * millisecond, the later one to write takes the id with a suffix.
 */
export async function writeRunManifest(cache: Cache, manifest: RunManifest, options: { fresh?: boolean } = {}): Promise<string> {
  await mkdir(cache.runsDir, { recursive: true });
  const base = manifest.id;
  for (let n = 1; ; n++) {
    const path = join(cache.runsDir, `${manifest.id}.json`);
    const temp = tempNameFor(path);
    await writeFile(temp, JSON.stringify(withDigest(manifest), null, 1) + '\n');
    trace('manifest-write', manifest.id);
    try {
      if (options.fresh) {
        // link fails when the name exists: another run's manifest stays as it is
        await link(temp, path);
        await rm(temp, { force: true });
      } else {
        await rename(temp, path);
      }
      return path;
    } catch (error) {
      await rm(temp, { force: true });
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      manifest.id = `${base}-${n + 1}`;
    }
  }
}

export async function listRuns(cache: Cache): Promise<string[]> {
  const names = await readdir(cache.runsDir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).sort();
}

/** A run manifest's text, checked against its digest; a damaged one throws, naming the file. */
export function parseRunManifest(text: string, path: string): RunManifest {
  const parsed = parseWithDigest<RunManifest>(text);
  if (!parsed.ok) throw new Error(`run manifest ${path} is damaged: ${parsed.reason}`);
  return parsed.value;
}

export async function readRunManifestFile(path: string): Promise<RunManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `no run manifest ${path}` : `cannot read run manifest ${path} (${(error as Error).message})`);
  }
  return parseRunManifest(text, path);
}

export function readRunManifest(cache: Cache, id: string): Promise<RunManifest> {
  return readRunManifestFile(join(cache.runsDir, `${id}.json`));
}

/**
 * The newest run manifest with status "ok" in a folder of runs (ids sort by time), or null.
 * Damaged manifests are skipped, each reported in one line through `onDamaged`.
 */
export async function newestOkRun(runsDir: string, onDamaged: (message: string) => void): Promise<{ path: string; manifest: RunManifest } | null> {
  const names = (await readdir(runsDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort().reverse();
  for (const name of names) {
    const path = join(runsDir, name);
    try {
      const manifest = await readRunManifestFile(path);
      if (manifest.status === 'ok') return { path, manifest };
    } catch (error) {
      onDamaged(`${(error as Error).message}; skipped`);
    }
  }
  return null;
}
