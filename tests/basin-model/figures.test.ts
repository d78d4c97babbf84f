import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CATALOG, catalogEntry } from '../../figures/catalog.ts';
import { mdsStepName } from '../../pipeline/analysis/trajectory-mds/names.ts';
import type { FigureModule, FigureOutput } from '../../figures/types.ts';
import { Cache } from '../../pipeline/cache.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import type { RunManifest } from '../../pipeline/runs.ts';
import type { ArtifactRef } from '../../pipeline/step.ts';
import { toyArtifacts } from '../bgd-branches/toy.ts';
import { smokeRun } from '../setup/smoke-run.ts';
import { basinModelArtifact, reluFitsArtifact } from './smoke-artifacts.ts';

const profile = getProfile('smoke');
const outputs = new Map<string, FigureOutput>();
/** the artifacts these figures read, made fresh by the tests (no training involved) */
const ARTIFACTS = ['experiment:basin-model', 'analysis:relu-fits'];
/** what panel F of Figure 1 reads besides: Figure 4's map, from a toy E4 (tests/bgd-branches/toy.ts) */
const TOY_E4 = ['experiment:bgd-branches', mdsStepName('bgd-branches', 2)];
/** and its real-network panels D′ and E′: trained networks of E5 and E6, from the shared smoke run */
const SMOKE_STEPS = ['experiment:flat-minima', 'experiment:interpolation'];
/** every figure of the catalog drawn from those artifacts, Figure 1 with the toy E4 and the smoke run */
const FIGURES = CATALOG.filter(
  (e) => e.build && e.build.inputs.some((i) => ARTIFACTS.includes(i)) && e.build.inputs.every((i) => [...ARTIFACTS, ...TOY_E4, ...SMOKE_STEPS].includes(i)),
).map((e) => e.id);

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
    // panel F of Figure 1 is Figure 4's map: a toy E4 stands in for it
    ...(await toyArtifacts()).inputs,
  };
  // Figure 1's real-network panels (D′, E′) read trained networks: those of the shared smoke run
  const smoke = await smokeRun();
  const manifest = JSON.parse(await readFile(smoke.manifestPath, 'utf8')) as RunManifest;
  const cache = new Cache(smoke.cacheDir);
  for (const step of SMOKE_STEPS) {
    const key = manifest.steps.find((x) => x.name === step)!.key;
    inputs[step] = { step, key, dir: cache.objectDir(key) };
  }
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

  it('draws panel F of Figure 1 from E4: the map of Figure 4, nothing missing', () => {
    const out = outputs.get('fig-01')!;
    expect(out.missing ?? []).toEqual([]);
    expect(out.tables['points']!.length).toBeGreaterThan(0);
    expect(out.tables['points']!.every((p) => p['view'] === 'k-0.25')).toBe(true);
    expect(out.caption).toMatch(/\*\*F\*\* The map of Figure 4 \(experiment E4\)/);
    expect(out.caption).not.toMatch(/pending|not computed yet/);
    expect(out.regime).toMatchObject({ atZero: expect.any(Boolean) });
  });
});
