// The site's data: one run manifest and the cache objects it names, nothing else.
//
// Which run: the manifest named by LANDSCAPE_RUN_MANIFEST; without it, the newest run manifest
// with status "ok" under <cache>/runs/. Which cache: LANDSCAPE_CACHE_DIR; without it, the cache
// the manifest lives in (<cache>/runs/<id>.json), else `cache` in the working directory.
//
// For every built figure the figure step's object gives figure.json (spec, tables, caption,
// checks, missing panels) and the render step's object gives the drawn files (spec.vl.json,
// figure.svg, figure.png, one CSV per table) and render.json. Files are checked against the hashes
// the run manifest recorded; a figure whose files are gone or differ is shown as missing, with
// the reason, never drawn from something else.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CATALOG, SECTIONS, type CatalogEntry, type SectionId } from '../../figures/catalog.ts';
import type { FigureOutput, FigureProperty } from '../../figures/types.ts';
import type { ClaimResult } from '../../pipeline/claims/types.ts';
import { EXPERIMENTS as DECLARED } from '../../pipeline/experiments/registry.ts';
import type { ObjectManifest } from '../../pipeline/cache.ts';
import type { FigureRecord, RunManifest } from '../../pipeline/runs.ts';
import type { StepOutcome } from '../../pipeline/runner.ts';

export type { ClaimResult, FigureOutput, FigureProperty, RunManifest, StepOutcome, CatalogEntry, SectionId };
export { CATALOG, SECTIONS };

export type FileKind = 'spec' | 'svg' | 'png' | 'csv';

/** A file of a figure that the site publishes for download. */
export interface DownloadFile {
  name: string;
  kind: FileKind;
  /** absolute path in the cache (read at build time only) */
  path: string;
  bytes: number;
  sha256: string;
  contentType: string;
}

/** One step behind a figure: what it is, its key, and what it cost. */
export interface StepProvenance {
  name: string;
  kind: string;
  key: string;
  /** status in the run shown (computed, reused, available, ...), or null when the run does not list it */
  status: string | null;
  /** seconds the step took when its object was computed (from the object's manifest) */
  seconds: number | null;
  /** when the object was computed */
  createdAt: string | null;
}

export interface BuiltFigure {
  figureKey: string;
  renderKey: string;
  output: FigureOutput;
  /** spec first, then SVG, PNG and the CSVs by name */
  downloads: DownloadFile[];
  width: number | null;
  height: number | null;
  /** the render step, the figure step and every step they depend on, inputs last */
  steps: StepProvenance[];
}

export interface SiteFigure {
  id: string;
  number: number;
  title: string;
  source: CatalogEntry['source'];
  section: SectionId;
  experiments: CatalogEntry['experiments'];
  shows: string;
  status: 'built' | 'missing';
  /** why it is missing (from the run manifest, or what the site found wrong) */
  reason: string | null;
  built: BuiltFigure | null;
}

export interface SiteRun {
  /** null when no run manifest could be found: every figure is then missing */
  manifest: RunManifest | null;
  manifestPath: string | null;
  cacheDir: string;
  /** why there is no run, when there is none */
  problem: string | null;
  figures: SiteFigure[];
}

const CONTENT_TYPES: Record<FileKind, string> = {
  spec: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  csv: 'text/csv; charset=utf-8',
};

const SPEC_FILE = 'spec.vl.json';
const SVG_FILE = 'figure.svg';
const PNG_FILE = 'figure.png';

export function objectDir(cacheDir: string, key: string): string {
  return join(cacheDir, 'objects', key.slice(0, 2), key);
}

function fileKind(name: string): FileKind | null {
  if (name === SPEC_FILE) return 'spec';
  if (name === SVG_FILE) return 'svg';
  if (name === PNG_FILE) return 'png';
  if (name.endsWith('.csv')) return 'csv';
  return null;
}

const KIND_ORDER: Record<FileKind, number> = { spec: 0, svg: 1, png: 2, csv: 3 };

async function readJsonFile<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

async function readObjectManifest(cacheDir: string, key: string): Promise<ObjectManifest | null> {
  try {
    return await readJsonFile<ObjectManifest>(join(objectDir(cacheDir, key), 'manifest.json'));
  } catch {
    return null;
  }
}

/** The newest run manifest with status "ok" under <cache>/runs/, by file name (ids sort by time). */
async function newestOkRun(cacheDir: string): Promise<string | null> {
  const runsDir = join(cacheDir, 'runs');
  const names = (await readdir(runsDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort().reverse();
  for (const name of names) {
    try {
      const manifest = await readJsonFile<RunManifest>(join(runsDir, name));
      if (manifest.status === 'ok') return join(runsDir, name);
    } catch {
      // an unreadable manifest is skipped; an older one may still be fine
    }
  }
  return null;
}

function locate(): { manifestPath: string | null; cacheDir: string } {
  const named = process.env.LANDSCAPE_RUN_MANIFEST?.trim();
  const cacheEnv = process.env.LANDSCAPE_CACHE_DIR?.trim();
  if (named) {
    const manifestPath = resolve(named);
    // a manifest lives at <cache>/runs/<id>.json
    const cacheDir = cacheEnv ? resolve(cacheEnv) : basename(dirname(manifestPath)) === 'runs' ? dirname(dirname(manifestPath)) : resolve('cache');
    return { manifestPath, cacheDir };
  }
  return { manifestPath: null, cacheDir: resolve(cacheEnv || 'cache') };
}

/**
 * Walks the key graph from the render step down to the data: each object's manifest names the
 * keys of its inputs. The run manifest adds each step's status in this run.
 */
async function stepChain(cacheDir: string, roots: Array<{ name: string; key: string }>, outcomes: StepOutcome[]): Promise<StepProvenance[]> {
  const byKey = new Map(outcomes.map((o) => [o.key, o]));
  const seen = new Set<string>();
  const out: StepProvenance[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const { name, key } = queue.shift()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const object = await readObjectManifest(cacheDir, key);
    const outcome = byKey.get(key);
    out.push({
      name,
      kind: outcome?.kind ?? name.split(':')[0] ?? name,
      key,
      status: outcome?.status ?? null,
      seconds: object?.seconds ?? null,
      createdAt: object?.createdAt ?? null,
    });
    for (const [input, inputKey] of Object.entries(object?.components.inputs ?? {})) queue.push({ name: input, key: inputKey });
  }
  return out;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function builtFigure(cacheDir: string, record: FigureRecord, outcomes: StepOutcome[]): Promise<BuiltFigure | string> {
  const { figureKey, renderKey } = record;
  if (!figureKey || !renderKey) return 'the run manifest lists it as built but names no step keys';
  let output: FigureOutput;
  try {
    output = await readJsonFile<FigureOutput>(join(objectDir(cacheDir, figureKey), 'figure.json'));
  } catch {
    return `its figure object (${figureKey.slice(0, 12)}) is not in the cache`;
  }
  const renderObject = await readObjectManifest(cacheDir, renderKey);
  if (!renderObject) return `its render object (${renderKey.slice(0, 12)}) is not in the cache`;

  const downloads: DownloadFile[] = [];
  for (const [name, info] of Object.entries(renderObject.files)) {
    const kind = fileKind(name);
    if (!kind) continue;
    const path = join(objectDir(cacheDir, renderKey), name);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      return `its file ${name} is missing from the cache`;
    }
    const hash = sha256(bytes);
    const recorded = record.files?.[name];
    if (hash !== info.sha256 || (recorded && recorded !== hash)) {
      return `its file ${name} in the cache does not match the hash the run recorded`;
    }
    downloads.push({ name, kind, path, bytes: bytes.byteLength, sha256: hash, contentType: CONTENT_TYPES[kind] });
  }
  for (const required of [SPEC_FILE, SVG_FILE, PNG_FILE]) {
    if (!downloads.some((d) => d.name === required)) return `its render has no ${required}`;
  }
  downloads.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.name.localeCompare(b.name));

  let width: number | null = null;
  let height: number | null = null;
  try {
    const info = await readJsonFile<{ width?: number; height?: number }>(join(objectDir(cacheDir, renderKey), 'render.json'));
    width = typeof info.width === 'number' ? Math.round(info.width) : null;
    height = typeof info.height === 'number' ? Math.round(info.height) : null;
  } catch {
    // the size only helps the layout; the figure is fine without it
  }
  const steps = await stepChain(
    cacheDir,
    [
      { name: `render:${record.id}`, key: renderKey },
      { name: `figure:${record.id}`, key: figureKey },
    ],
    outcomes,
  );
  return { figureKey, renderKey, output, downloads, width, height, steps };
}

async function load(): Promise<SiteRun> {
  const located = locate();
  const cacheDir = located.cacheDir;
  const manifestPath = located.manifestPath ?? (await newestOkRun(cacheDir));
  const allMissing = (reason: string): SiteFigure[] => CATALOG.map((entry) => figureBase(entry, 'missing', reason, null));

  if (!manifestPath) {
    const problem = `no run manifest: LANDSCAPE_RUN_MANIFEST is not set and ${join(cacheDir, 'runs')} holds no successful run`;
    return { manifest: null, manifestPath: null, cacheDir, problem, figures: allMissing('no run has been shown on this site yet') };
  }
  let manifest: RunManifest;
  try {
    manifest = await readJsonFile<RunManifest>(manifestPath);
  } catch (error) {
    // a manifest that was asked for by name and cannot be read is an error, not an empty site
    throw new Error(`cannot read the run manifest ${manifestPath}: ${(error as Error).message}`);
  }
  const records = new Map(manifest.figures.map((f) => [f.id, f]));
  const figures: SiteFigure[] = [];
  for (const entry of CATALOG) {
    const record = records.get(entry.id);
    if (!record) {
      figures.push(figureBase(entry, 'missing', 'the run does not list this figure', null));
    } else if (record.status !== 'built') {
      figures.push(figureBase(entry, 'missing', record.reason ?? 'not built in this run', null));
    } else {
      const built = await builtFigure(cacheDir, record, manifest.steps);
      figures.push(typeof built === 'string' ? figureBase(entry, 'missing', built, null) : figureBase(entry, 'built', null, built));
    }
  }
  return { manifest, manifestPath, cacheDir, problem: null, figures };
}

function figureBase(entry: CatalogEntry, status: SiteFigure['status'], reason: string | null, built: BuiltFigure | null): SiteFigure {
  return {
    id: entry.id,
    number: entry.number,
    title: entry.title,
    source: entry.source,
    section: entry.section,
    experiments: entry.experiments,
    shows: entry.shows,
    status,
    reason,
    built,
  };
}

/** A missing figure's reason as a sentence fragment, without a repeated "not computed yet". */
export function missingReason(figure: SiteFigure): string {
  return (figure.reason ?? 'not built in this run').replace(/^not computed yet:\s*/i, '');
}

let cached: Promise<SiteRun> | null = null;

/** The run the site shows, read once per build. */
export function loadRun(): Promise<SiteRun> {
  cached ??= load();
  return cached;
}

export async function getFigure(id: string): Promise<SiteFigure> {
  const figure = (await loadRun()).figures.find((f) => f.id === id);
  if (!figure) throw new Error(`unknown figure ${id}`);
  return figure;
}

export const SECTION_IDS = Object.keys(SECTIONS) as SectionId[];

/** What the experiments are, in a few words (for missing figures and provenance), from their declarations. */
export const EXPERIMENTS = Object.fromEntries(DECLARED.map((e) => [e.id, `${e.id}, ${e.summary}`])) as Record<CatalogEntry['experiments'][number], string>;

/** The profile sections each experiment reads: the settings a section page shows. */
export const EXPERIMENT_SETTINGS = Object.fromEntries(DECLARED.map((e) => [e.id, e.settings])) as Record<CatalogEntry['experiments'][number], string[]>;

/** The run's claims that belong to a figure (or to any of several). */
export function claimsOf(run: SiteRun, figureIds: string[]): ClaimResult[] {
  return (run.manifest?.claims ?? []).filter((c) => c.figures.some((f) => figureIds.includes(f)));
}

/** Short names of the sections, for navigation. */
export const SECTION_SHORT: Record<SectionId, string> = {
  basins: 'Basins',
  polynomial: 'Polynomial nets',
  sgd: 'SGD',
  bgd: 'Batch GD',
  'flat-minima': 'Flat minima',
  overparametrization: 'Overparametrization',
};
