// Every figure of the catalog on the smoke run, derived from the catalog itself: a figure with a
// module is built, with a caption, a table for every data source its spec names, a render without
// vega-lite warnings, and the files the site needs; a figure without one is listed as missing.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../../figures/catalog.ts';
import type { FigureOutput } from '../../figures/types.ts';
import { Cache } from '../../pipeline/cache.ts';
import type { RunManifest } from '../../pipeline/runs.ts';
import { smokeRun } from '../setup/smoke-run.ts';

let manifest: RunManifest;
let cache: Cache;

beforeAll(async () => {
  const smoke = await smokeRun();
  manifest = JSON.parse(await readFile(smoke.manifestPath, 'utf8')) as RunManifest;
  cache = new Cache(smoke.cacheDir);
});

/** Every `data: { name }` in a spec, at any depth. */
function namedData(node: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => namedData(n, names));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'data' && value && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string') names.add((value as { name: string }).name);
      namedData(value, names);
    }
  }
  return names;
}

const built = CATALOG.filter((e) => e.build).map((e) => e.id);
const missing = CATALOG.filter((e) => !e.build).map((e) => e.id);

describe('the catalog on the smoke run', () => {
  it.each(built)('%s is built: caption, named tables, a clean render, spec, SVG and PNG', async (id) => {
    const record = manifest.figures.find((f) => f.id === id)!;
    expect(record.status, record.reason).toBe('built');
    const output = JSON.parse(await readFile(join(cache.objectDir(record.figureKey!), 'figure.json'), 'utf8')) as FigureOutput;
    expect(output.caption).toMatch(/\S/);
    for (const name of namedData(output.spec)) expect(output.tables[name]?.length ?? 0, `rows of '${name}'`).toBeGreaterThan(0);
    const render = JSON.parse(await readFile(join(cache.objectDir(record.renderKey!), 'render.json'), 'utf8')) as { warnings: string[] };
    expect(render.warnings).toEqual([]);
    for (const file of ['spec.vl.json', 'figure.svg', 'figure.png']) expect(record.files![file], file).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(missing)('%s has no module yet and is listed as missing', (id) => {
    expect(manifest.figures.find((f) => f.id === id)).toMatchObject({ status: 'missing', reason: expect.stringMatching(/no figure module/) });
  });

  it('states the regime on every figure of trained networks', async () => {
    for (const entry of CATALOG.filter((e) => e.build && e.experiments.some((x) => ['E3', 'E4', 'E5', 'E6'].includes(x)))) {
      const record = manifest.figures.find((f) => f.id === entry.id)!;
      const output = JSON.parse(await readFile(join(cache.objectDir(record.figureKey!), 'figure.json'), 'utf8')) as FigureOutput;
      expect(output.regime, entry.id).toMatchObject({ atZero: expect.any(Boolean), trainError: expect.any(Number) });
      expect(output.caption, entry.id).toMatch(/(In|Outside) the paper's regime/);
    }
  });
});
