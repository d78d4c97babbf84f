// `npm run diff` on real runs of the smoke profile: a variant run with another data seed against
// the shared smoke run, a run against itself, a site folder against its own run, hand-edited and
// trimmed copies of the site, and names that mean nothing.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../../figures/catalog.ts';
import type { RunDiff } from '../../pipeline/diff/types.ts';
import { NO_MODULE_REASON, type RunManifest } from '../../pipeline/runs.ts';
import { runScript as node, type ScriptResult as Result } from '../helpers/cli.ts';
import { smokeRun, type SmokeRun } from '../setup/smoke-run.ts';

const diff = (args: string[]): Promise<Result> => node('pipeline/diff-cli.mjs', args);

/** What does not read the data: the basin model and the ReLU fits. */
const DATA_FREE = ['experiment:basin-model', 'analysis:relu-fits'];
/** The figures drawn from trained networks: the ones a data seed changes. */
const trained = new Set(CATALOG.filter((e) => e.build && e.build.inputs.some((i) => !DATA_FREE.includes(i))).map((e) => e.id));
const figureOf = (step: string): string | null => /^(?:figure|render):(fig-\d+)$/.exec(step)?.[1] ?? null;

let smoke: SmokeRun;
let dir: string;
let cacheDir: string;
let variant: RunManifest;

async function readDiff(path: string): Promise<RunDiff> {
  return JSON.parse(await readFile(path, 'utf8')) as RunDiff;
}

/** A copy of the smoke run's site, changed by `edit`. */
async function siteCopy(name: string, edit: (site: string) => Promise<void>): Promise<string> {
  const site = join(dir, name);
  await cp(smoke.siteDir, site, { recursive: true });
  await edit(site);
  return site;
}

beforeAll(async () => {
  smoke = await smokeRun();
  dir = await mkdtemp(join(tmpdir(), 'landscape-diff-'));
  // a copy of the shared cache: the variant run must not add a run to the one other tests read
  cacheDir = join(dir, 'cache');
  await cp(smoke.cacheDir, cacheDir, { recursive: true });
  const run = await node('pipeline/cli.mjs', ['--profile', 'smoke', '--set', 'data.seed=2', '--no-site', '--cache-dir', cacheDir]);
  if (run.code !== 0) throw new Error(`the variant run failed:\n${run.stdout}${run.stderr}`);
  const runs = (await import('../../pipeline/runs.ts')).listRuns;
  const { Cache } = await import('../../pipeline/cache.ts');
  const ids = await runs(new Cache(cacheDir));
  variant = JSON.parse(await readFile(join(cacheDir, 'runs', `${ids[ids.length - 1]}.json`), 'utf8')) as RunManifest;
}, 900_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a variant run made with --set', () => {
  it('records its overrides and recomputes only what reads the data', () => {
    expect(variant.status).toBe('ok');
    expect(variant.overrides).toEqual({ 'data.seed': 2 });
    expect(variant.profile.data).toMatchObject({ kind: 'synthetic', seed: 2 });
    const computed = variant.steps.filter((s) => s.status === 'computed').map((s) => s.name);
    expect(computed[0]).toBe('data');
    expect(computed).toContain('experiment:sgd-stages');
    expect(computed).toContain('render:fig-03');
    // nothing of the basin model or the ReLU fits, which do not read the data
    for (const step of DATA_FREE) expect(computed).not.toContain(step);
    expect(computed.filter((name) => figureOf(name) !== null && !trained.has(figureOf(name)!))).toEqual([]);
  });

  it('rejects a bad --set in one line with status 2', async () => {
    const result = await node('pipeline/cli.mjs', ['--profile', 'smoke', '--set', 'sgdStages.lr=0.1', '--cache-dir', cacheDir]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^figures: unknown setting 'sgdStages\.lr' \(sgdStages has: .*sgdStages\.learningRate/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('npm run diff between the smoke run and the variant', () => {
  let result: Result;
  let report: RunDiff;

  beforeAll(async () => {
    result = await diff(['latest~1', 'latest', '--cache-dir', cacheDir, '--json', join(dir, 'seed.json'), '--markdown', join(dir, 'seed.md')]);
    report = await readDiff(join(dir, 'seed.json'));
  });

  it('exits 1, with the setting that caused it first', () => {
    expect(result.code, result.stderr).toBe(1);
    expect(report.settings.slice(0, 2)).toEqual([
      { group: 'overrides', name: 'data.seed', a: '(none)', b: '2' },
      { group: 'profile', name: 'data.seed', a: '1', b: '2' },
    ]);
    expect(report.settings.some((s) => s.group === 'data' && s.name === 'dataset step key')).toBe(true);
    expect(result.stdout.indexOf('Settings that differ')).toBeLessThan(result.stdout.indexOf('fig-03'));
  });

  it('reports the trained figures changed, with numbers, and the figures that do not read the data identical', () => {
    expect(report.figures.length).toBeGreaterThanOrEqual(6);
    for (const figure of report.figures) {
      expect(figure.verdict, figure.id).toBe(trained.has(figure.id) ? 'data changed' : 'identical');
    }
    const fig3 = report.figures.find((f) => f.id === 'fig-03')!;
    expect(fig3.withinTolerance).toBe(false);
    expect(fig3.pixels!.share).toBeGreaterThan(0);
    // the snapshots' table: rows paired by what they are (not by position), none added or removed,
    // the errors measured on them changed, and so did their final values
    const points = fig3.tables.find((t) => t.values.some((v) => v.column === 'trainError'))!;
    expect(points.key.columns.length).toBeGreaterThan(1);
    expect(points.key.byOrder).toBe(false);
    expect(points.key.columns).not.toContain('trainError');
    expect(points.rows.added + points.rows.removed).toBe(0);
    const trainError = points.values.find((v) => v.column === 'trainError')!;
    expect(trainError.maxAbs!.abs).toBeGreaterThan(0);
    expect(Object.keys(trainError.maxAbs!.key)).toEqual(points.key.columns);
    expect(points.along).not.toBeNull();
    expect(points.finals.some((f) => f.column === 'trainError' && f.delta !== null && f.delta !== 0)).toBe(true);
    expect(result.stdout).toMatch(/fig-03\s+data changed\s+beyond/);
    expect(result.stdout).toMatch(new RegExp(`${points.table}: \\d+ rows paired by ${points.key.columns.join(', ')}`));
  });

  it('writes the same report as Markdown', async () => {
    const markdown = await readFile(join(dir, 'seed.md'), 'utf8');
    expect(markdown).toMatch(/^## Run diff: changed beyond tolerance/);
    expect(markdown).toMatch(/\| fig-03 SGD trajectories .* \| data changed \| \*\*beyond\*\* \|/);
    expect(markdown).toContain('| overrides | `data.seed` | (none) | 2 |');
  });

  it('is within a loose enough tolerance, and within any tolerance for the figures that did not change', async () => {
    // the maps' coordinates, errors and losses of the smoke run move by less than 100, and so do
    // the confusion counts; the count of pre-activations outside [-a, a] by a few hundred. A claim
    // whose verdict changed stays a change at any tolerance
    const loose = await diff(['latest~1', 'latest', '--cache-dir', cacheDir, '--tolerance', '1000,0', '--json', join(dir, 'loose.json')]);
    const looseReport = await readDiff(join(dir, 'loose.json'));
    expect(looseReport.figures.every((f) => f.withinTolerance)).toBe(true);
    expect(loose.code).toBe(looseReport.claims.every((c) => c.withinTolerance) ? 0 : 1);
    expect((await diff(['latest~1', 'latest', '--cache-dir', cacheDir, '--only', 'fig-06,fig-39'])).code).toBe(0);
  });

  it('lists the claims whose numbers or verdict changed, changed verdicts first', () => {
    expect(report.claims.length).toBeGreaterThan(0);
    expect(report.claims.every((c) => c.numbers.length > 0 || c.status.a !== c.status.b)).toBe(true);
    const flipped = report.claims.map((c) => c.status.a !== c.status.b);
    expect(flipped.indexOf(false) === -1 || flipped.lastIndexOf(true) < flipped.indexOf(false)).toBe(true);
    expect(result.stdout).toContain('Claims that changed');
  });
});

describe('npm run diff on one run', () => {
  it('exits 0 for a run against itself', async () => {
    const result = await diff(['latest', 'latest', '--cache-dir', cacheDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/(\d+) figures compared: \1 identical; within tolerance/);
  });

  it('finds a built site identical to the run it was built from: the site carries every file', async () => {
    const result = await diff([smoke.manifestPath, smoke.siteDir, '--json', join(dir, 'site.json')]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = await readDiff(join(dir, 'site.json'));
    expect(report.b.from).toMatch(/^site /);
    expect(report.figures.length).toBeGreaterThanOrEqual(6);
    expect(report.figures.filter((f) => f.verdict !== 'identical')).toEqual([]);
  });
});

describe('npm run diff on copies of a site', () => {
  it('finds a hand-edited CSV with the right row and value', async () => {
    let original = '';
    const site = await siteCopy('edited', async (copy) => {
      const path = join(copy, 'figures', 'fig-07', 'files', 'paths.csv');
      const lines = (await readFile(path, 'utf8')).split('\r\n');
      const index = lines.findIndex((line) => line.startsWith('3,120,'));
      const fields = lines[index]!.split(',');
      original = fields[4]!;
      fields[4] = '9.5';
      lines[index] = fields.join(',');
      await writeFile(path, lines.join('\r\n'));
    });
    const result = await diff([smoke.siteDir, site, '--json', join(dir, 'edited.json')]);
    expect(result.code).toBe(1);
    const report = await readDiff(join(dir, 'edited.json'));
    const fig7 = report.figures.find((f) => f.id === 'fig-07')!;
    expect(fig7.verdict).toBe('data changed');
    expect(fig7.notes.join(' ')).toMatch(/B's paths\.csv is not the file its run recorded/);
    expect(fig7.tables).toHaveLength(1);
    const loss = fig7.tables[0]!.values;
    expect(loss).toHaveLength(1);
    expect(loss[0]).toMatchObject({ column: 'loss', changed: 1, maxAbs: { key: { run: 3, step: 120 }, a: Number(original), b: 9.5 } });
    expect(report.figures.filter((f) => f.id !== 'fig-07').every((f) => f.verdict === 'identical')).toBe(true);
    expect(result.stdout).toMatch(/loss: 1 changed; max \|Δ\| [\d.e-]+ at run=3, step=120/);
  });

  it('reports a removed figure and one that is missing from one run', async () => {
    const site = await siteCopy('trimmed', async (copy) => {
      const path = join(copy, 'run', 'manifest.json');
      const manifest = JSON.parse(await readFile(path, 'utf8')) as RunManifest;
      for (const record of manifest.figures) {
        if (record.id === 'fig-39') Object.assign(record, { status: 'missing', reason: NO_MODULE_REASON, files: undefined });
        if (record.id === 'fig-06') Object.assign(record, { status: 'missing', reason: 'render:fig-06 failed: out of memory', files: undefined });
      }
      await writeFile(path, JSON.stringify(manifest));
      await rm(join(copy, 'figures', 'fig-39', 'files'), { recursive: true });
    });
    const result = await diff([smoke.siteDir, site, '--json', join(dir, 'trimmed.json')]);
    expect(result.code).toBe(1);
    const verdicts = Object.fromEntries((await readDiff(join(dir, 'trimmed.json'))).figures.map((f) => [f.id, f.verdict]));
    expect(verdicts).toMatchObject({ 'fig-39': 'removed', 'fig-06': 'missing in one run', 'fig-03': 'identical' });
    expect(result.stdout).toMatch(/fig-06\s+missing in one run\s+beyond .*B: missing: render:fig-06 failed: out of memory/);
  });
});

describe('npm run diff on bad input', () => {
  it('exits 2 with a one-line reason', async () => {
    const empty = await mkdtemp(join(dir, 'empty-'));
    const broken = await siteCopy('broken', async (copy) => {
      await writeFile(join(copy, 'figures', 'fig-07', 'files', 'ends.csv'), 'run,place\r\n1,"floor of basin 3\r\n');
    });
    const cases: Array<[string[], RegExp]> = [
      [[smoke.siteDir, broken], /^diff: B's fig-07 ends\.csv cannot be read: unterminated quoted field in row 2$/],
      [['no-such-run', 'latest', '--cache-dir', cacheDir], /^diff: no run or site folder 'no-such-run' \(newest runs in /],
      [[empty, 'latest', '--cache-dir', cacheDir], /is a folder but not a built site/],
      [['latest~9', 'latest', '--cache-dir', cacheDir], /latest~9: .* holds only \d+ runs/],
      [['latest', '--cache-dir', cacheDir], /needs two runs to compare, got 1/],
      [['latest', 'latest', '--cache-dir', cacheDir, '--only', 'fig-99'], /--only: unknown figure fig-99/],
      [['latest', 'latest', '--cache-dir', cacheDir, '--tolerance', 'x'], /--tolerance needs a number/],
      [['latest', 'latest', '--frobnicate'], /unknown option --frobnicate/],
    ];
    for (const [args, reason] of cases) {
      const result = await diff(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim(), args.join(' ')).toMatch(reason);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
