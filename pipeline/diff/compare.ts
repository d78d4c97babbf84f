// Two runs, figure by figure. For each figure either run lists, in the catalog order of B then A:
//   1. built in neither                     -> not compared (counted as missing in both)
//   2. built in one only                    -> added / removed when the other run has no module
//                                              for it, else missing in one run (with its reason)
//   3. every file's bytes equal             -> identical (hashes of the bytes read, not the ones
//                                              recorded, so a file edited afterwards is seen)
//   4. a table differs                      -> data changed (tables.ts), with the pixel diff
//   5. otherwise (spec, SVG or PNG differs) -> rendering changed, with the pixel diff
// Then the claims (claims.ts) and the settings (settings.ts) of the two manifests.
import { createHash } from 'node:crypto';
import { parseCsv, type CsvTable } from '../render/csv.ts';
import { NO_MODULE_REASON, type FigureRecord } from '../runs.ts';
import { compareClaims } from './claims.ts';
import { overlaySpec } from './overlay.ts';
import { PixelPool } from './pixel-pool.ts';
import type { RunSource } from './resolve.ts';
import { compareSettings, overridesLine } from './settings.ts';
import { compareTables } from './tables.ts';
import type { FigureDiff, FigureVisual, PixelDiff, RunDiff, RunSummary, TableDiff, Tolerance } from './types.ts';

export interface DiffOptions {
  tolerance: Tolerance;
  /** compare only these figures */
  only?: string[] | null;
  /** also make what the HTML report and the site show: images and the overlay spec */
  visuals?: boolean;
  /** worker threads for the pixel diffs when there are many (default 1: all in this thread) */
  threads?: number;
}

/**
 * Starting a worker thread with the TypeScript loader costs about half a second, so the pixel
 * diffs move to workers only when at least this many figures' pictures differ.
 */
const PICTURES_FOR_WORKERS = 8;

/** Bad input the user can fix (an unknown figure in --only): one line, exit status 2. */
export class DiffInputError extends Error {
  override name = 'DiffInputError';
}

const PNG_FILE = 'figure.png';
const SPEC_FILE = 'spec.vl.json';
const COMPARED = (name: string): boolean => name === SPEC_FILE || name === PNG_FILE || name === 'figure.svg' || name.endsWith('.csv');

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function statusOf(record: FigureRecord | undefined): string {
  if (!record) return 'not listed';
  return record.status === 'built' ? 'built' : `missing: ${record.reason ?? 'not built'}`;
}

const hasNoModule = (record: FigureRecord | undefined): boolean => !record || record.reason === NO_MODULE_REASON;

interface FigureFiles {
  /** e.g. `A's fig-03`, for errors */
  label: string;
  bytes: Map<string, Buffer>;
  hashes: Map<string, string>;
  unreadable: string[];
  notes: string[];
}

async function readFigure(run: RunSource, record: FigureRecord, side: 'A' | 'B'): Promise<FigureFiles> {
  const names = Object.keys(record.files ?? {}).filter(COMPARED);
  const files: FigureFiles = { label: `${side}'s ${record.id}`, bytes: new Map(), hashes: new Map(), unreadable: [], notes: [] };
  await Promise.all(
    names.map(async (name) => {
      const bytes = await run.read(record, name);
      if (!bytes) return void files.unreadable.push(name);
      const hash = sha256(bytes);
      files.bytes.set(name, bytes);
      files.hashes.set(name, hash);
      if (hash !== record.files![name]) files.notes.push(`${side}'s ${name} is not the file its run recorded (changed afterwards); compared as found`);
    }),
  );
  return files;
}

/** A file of a figure, parsed; a file that does not parse is bad input, named in one line. */
function parsed<T>(files: FigureFiles, name: string, parse: (text: string) => T): T | null {
  const bytes = files.bytes.get(name);
  if (!bytes) return null;
  try {
    return parse(bytes.toString('utf8'));
  } catch (error) {
    throw new DiffInputError(`${files.label} ${name} cannot be read: ${(error as Error).message}`);
  }
}

const table = (files: FigureFiles, name: string): CsvTable | null => parsed(files, name, parseCsv);
const parseSpec = (files: FigureFiles): unknown => parsed(files, SPEC_FILE, JSON.parse);

function base(id: string, title: string, recA: FigureRecord | undefined, recB: FigureRecord | undefined): Omit<FigureDiff, 'verdict' | 'withinTolerance'> {
  return { id, title, status: { a: statusOf(recA), b: statusOf(recB) }, tables: [], filesChanged: [], pixels: null, claims: [], notes: [] };
}

async function compareFigure(a: RunSource, b: RunSource, recA: FigureRecord | undefined, recB: FigureRecord | undefined, options: DiffOptions, pixelPool: PixelPool): Promise<FigureDiff | null> {
  const id = (recB ?? recA)!.id;
  const title = (recB ?? recA)!.title;
  const builtA = recA?.status === 'built';
  const builtB = recB?.status === 'built';
  if (!builtA && !builtB) return null;
  const head = base(id, title, recA, recB);
  if (!builtA) return { ...head, verdict: hasNoModule(recA) ? 'added' : 'missing in one run', withinTolerance: false };
  if (!builtB) return { ...head, verdict: hasNoModule(recB) ? 'removed' : 'missing in one run', withinTolerance: false };

  const [fa, fb] = await Promise.all([readFigure(a, recA!, 'A'), readFigure(b, recB!, 'B')]);
  const notes = [...fa.notes, ...fb.notes];
  const unreadable = [...fa.unreadable.map((n) => `A's ${n}`), ...fb.unreadable.map((n) => `B's ${n}`)];
  if (unreadable.length > 0) {
    const status = { a: fa.unreadable.length ? `files missing: ${fa.unreadable.join(', ')} (${a.from})` : head.status.a, b: fb.unreadable.length ? `files missing: ${fb.unreadable.join(', ')} (${b.from})` : head.status.b };
    return { ...head, status, verdict: 'missing in one run', withinTolerance: false, notes: [...notes, `cannot read ${unreadable.join(', ')}`] };
  }
  const names = [...new Set([...fa.hashes.keys(), ...fb.hashes.keys()])].sort();
  const filesChanged = names.filter((n) => fa.hashes.get(n) !== fb.hashes.get(n));
  if (filesChanged.length === 0) return { ...head, verdict: 'identical', withinTolerance: true, notes };

  let pixels: PixelDiff | null = null;
  let highlight: Uint8Array | null = null;
  const pngA = fa.bytes.get(PNG_FILE) ?? null;
  const pngB = fb.bytes.get(PNG_FILE) ?? null;
  // the pictures go to a worker first, and the tables are compared here meanwhile
  const comparing = pngA && pngB && filesChanged.includes(PNG_FILE) ? pixelPool.compare(pngA, pngB, { highlight: options.visuals ?? false }) : null;
  const tables: TableDiff[] = filesChanged
    .filter((n) => n.endsWith('.csv'))
    .map((n) => compareTables(n.slice(0, -4), table(fa, n), table(fb, n), options.tolerance))
    .filter((t) => t.status !== 'same');
  if (comparing) {
    const compared = await comparing;
    pixels = compared.diff;
    highlight = compared.highlight;
  } else if (pngA && pngB) {
    pixels = { width: 0, height: 0, differing: 0, share: 0, sizeChanged: false };
  }
  const dataChanged = tables.length > 0;
  const withinTolerance = dataChanged
    ? tables.every((t) => t.withinTolerance)
    : options.tolerance.pixels !== undefined && (pixels?.share ?? 0) <= options.tolerance.pixels;
  const diff: FigureDiff = { ...head, verdict: dataChanged ? 'data changed' : 'rendering changed', withinTolerance, tables, filesChanged, pixels, notes };
  if (options.visuals) {
    const overlay = overlaySpec(parseSpec(fa), parseSpec(fb));
    const visual: FigureVisual = { a: pngA, b: pngB, highlight, overlay: overlay.spec, overlayNote: overlay.note };
    diff.visual = visual;
  }
  return diff;
}

function summary(run: RunSource): RunSummary {
  const m = run.manifest;
  return { name: run.name, id: m.id, from: run.from, profile: m.profile.name, status: m.status, startedAt: m.startedAt, overrides: overridesLine(m) };
}

export async function diffRuns(a: RunSource, b: RunSource, options: DiffOptions): Promise<RunDiff> {
  const started = performance.now();
  const recordsA = new Map(a.manifest.figures.map((f) => [f.id, f]));
  const recordsB = new Map(b.manifest.figures.map((f) => [f.id, f]));
  const ids = [...new Set([...recordsB.keys(), ...recordsA.keys()])];
  const only = options.only?.length ? options.only : null;
  if (only) {
    const unknown = only.filter((id) => !ids.includes(id));
    if (unknown.length > 0) throw new DiffInputError(`--only: unknown figure ${unknown.join(', ')} (the runs list ${ids[0]} .. ${ids[ids.length - 1]})`);
  }
  const selected = only ? ids.filter((i) => only.includes(i)) : ids;
  const results: Array<FigureDiff | null> = new Array(selected.length).fill(null);
  // how many pictures differ, by the hashes the runs recorded (the files are read later)
  const pictures = selected.filter((id) => {
    const [pa, pb] = [recordsA.get(id)?.files?.[PNG_FILE], recordsB.get(id)?.files?.[PNG_FILE]];
    return pa && pb && pa !== pb;
  }).length;
  const threads = pictures >= PICTURES_FOR_WORKERS ? (options.threads ?? 1) : 1;
  const pixelPool = new PixelPool(threads);
  try {
    // a few figures at a time: enough to keep every pixel worker busy, few enough to bound memory
    let cursor = 0;
    const lane = async (): Promise<void> => {
      while (cursor < selected.length) {
        const i = cursor++;
        const id = selected[i]!;
        results[i] = await compareFigure(a, b, recordsA.get(id), recordsB.get(id), options, pixelPool);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, threads * 2) }, lane));
  } finally {
    await pixelPool.close();
  }
  const figures = results.filter((f): f is FigureDiff => f !== null);
  const missingInBoth = selected.filter((_, i) => results[i] === null);
  const claims = compareClaims(a.manifest.claims, b.manifest.claims, options.tolerance).filter((c) => !only || c.figures.some((f) => only.includes(f)));
  for (const claim of claims) {
    for (const figure of figures) if (claim.figures.includes(figure.id)) figure.claims.push(claim.id);
  }
  return {
    a: summary(a),
    b: summary(b),
    tolerance: options.tolerance,
    only,
    settings: compareSettings(a.manifest, b.manifest),
    figures,
    missingInBoth,
    claims,
    withinTolerance: figures.every((f) => f.withinTolerance) && claims.every((c) => c.withinTolerance),
    seconds: (performance.now() - started) / 1000,
  };
}
