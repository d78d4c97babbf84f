import { beforeAll, describe, expect, it } from 'vitest';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CATALOG, catalogEntry } from '../../figures/catalog.ts';
import type { FigureModule, FigureOutput } from '../../figures/types.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import type { ArtifactRef } from '../../pipeline/step.ts';
import { basinModelArtifact, reluFitsArtifact } from './smoke-artifacts.ts';

const profile = getProfile('smoke');
const outputs = new Map<string, FigureOutput>();
/** the artifacts these figures read, made fresh by the tests (no training involved) */
const ARTIFACTS = ['experiment:basin-model', 'analysis:relu-fits'];
/** every figure of the catalog drawn from those artifacts alone */
const FIGURES = CATALOG.filter((e) => e.build && e.build.inputs.every((i) => ARTIFACTS.includes(i))).map((e) => e.id);

/** Every `data: { name }` in a spec, at any depth. */
function namedData(node: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => namedData(n, names));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'data' && value && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string') {
        names.add((value as { name: string }).name);
      }
      namedData(value, names);
    }
  }
  return names;
}

beforeAll(async () => {
  const inputs: Record<string, ArtifactRef> = {
    'experiment:basin-model': await basinModelArtifact('smoke'),
    'analysis:relu-fits': await reluFitsArtifact('smoke'),
  };
  for (const id of FIGURES) {
    const build = catalogEntry(id).build;
    if (!build) throw new Error(`${id} has no build entry in the catalog`);
    const mod = (await import(`../../${build.module}`)) as { figure: FigureModule };
    const picked = Object.fromEntries(build.inputs.map((name) => [name, inputs[name]!]));
    outputs.set(id, await mod.figure.build({ profile, params: build.params(profile), inputs: picked }));
  }
});

describe('basin-model and ReLU-fit figures (smoke profile)', () => {
  it.each(FIGURES)('%s compiles with vega-lite, with a table for every named data source', (id) => {
    const out = outputs.get(id)!;
    const names = namedData(out.spec);
    expect(names.size).toBeGreaterThan(0);
    for (const name of names) {
      expect(out.tables[name], `table '${name}'`).toBeDefined();
      expect(out.tables[name]!.length, `rows of '${name}'`).toBeGreaterThan(0);
    }
    const total = Object.values(out.tables).reduce((s, t) => s + t.length, 0);
    expect(total).toBeLessThan(100_000);
    const spec = { ...out.spec, datasets: out.tables } as TopLevelSpec;
    const warnings: string[] = [];
    const logger = {
      level: () => logger,
      warn: (...m: unknown[]) => (warnings.push(m.join(' ')), logger),
      info: () => logger,
      debug: () => logger,
      error: (...m: unknown[]) => {
        throw new Error(m.join(' '));
      },
    };
    const { spec: vega } = compile(spec, { logger: logger as never });
    expect(vega.marks?.length ?? 0).toBeGreaterThan(0);
    expect(warnings).toEqual([]);
  });

  it.each(FIGURES)('%s has a caption with the settings, and the properties of its model hold', (id) => {
    const out = outputs.get(id)!;
    expect(out.caption).toContain('`smoke`');
    expect(out.caption.length).toBeGreaterThan(400);
    for (const p of out.properties ?? []) expect(p.holds, `${p.name}: ${p.detail}`).toBe(true);
  });

  it('reports the basin properties on Figures 1 and 8 and the degree property on Figure 39', () => {
    const names = (id: string) => (outputs.get(id)!.properties ?? []).map((c) => c.name);
    for (const id of ['fig-01', 'fig-08']) {
      expect(names(id)).toEqual([
        'Perturbations smaller than the margin return to the same basin',
        'Large perturbations reach other basins',
        'Within a basin the loss stays at or below the mean of the end points',
        'Between basins the loss rises above both end points',
      ]);
    }
    expect(names('fig-39')).toEqual(['The sup-norm error falls as the degree rises']);
    expect(names('fig-06')).toEqual(['Zero loss exactly on the big floors, at every level']);
  });

  it('marks panel F of Figure 1 as pending until E4 exists', () => {
    const missing = outputs.get('fig-01')!.missing ?? [];
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatch(/^F: .*pending until E4/);
  });
});
