// The graph of steps for a profile and the cache key of each:
//   data -> experiments -> analyses -> figure specs -> renders        (the site comes after)
//                                   -> claims
// Keys are computed without running anything: a step's key needs only its sources, its
// parameters, the keys of its inputs and, for tensor work, the engine fingerprint.
import { CATALOG, catalogEntry, type CatalogEntry } from '../figures/catalog.ts';
import { keyOf, type KeyComponents } from './cache.ts';
import type { EngineFingerprint } from './engine/fingerprint.ts';
import type { Profile } from './profiles.ts';
import { SourceHasher } from './sources.ts';
import type { StepDecl } from './step.ts';
import { STEP_DECLS } from './steps.ts';

export interface PlannedStep {
  decl: StepDecl;
  params: unknown;
  components: KeyComponents;
  key: string;
  /** needed for the figures asked for (a step outside the selection is only looked up) */
  selected: boolean;
}

export interface Plan {
  profile: Profile;
  engine: EngineFingerprint;
  /** in an order where every step comes after its inputs */
  steps: PlannedStep[];
  /** figures that have a module, in catalog order, and whether they were asked for */
  figures: Array<{ entry: CatalogEntry; selected: boolean }>;
}

export const FIGURE_STEP_ENTRY = 'pipeline/figure-step.ts';
export const RENDER_STEP_ENTRY = 'pipeline/render/step.ts';

/** The step declarations of one figure: its spec (figure:<id>) and its renders (render:<id>). */
function figureDecls(entry: CatalogEntry): StepDecl[] {
  const build = entry.build!;
  return [
    {
      name: `figure:${entry.id}`,
      kind: 'figure',
      entry: FIGURE_STEP_ENTRY,
      extraSources: [build.module],
      params: (p) => ({ figure: entry.id, module: build.module, settings: build.params(p) }),
      inputs: build.inputs,
      usesEngine: false,
      figure: entry.id,
    },
    {
      name: `render:${entry.id}`,
      kind: 'render',
      entry: RENDER_STEP_ENTRY,
      params: () => ({ figure: entry.id }),
      inputs: [`figure:${entry.id}`],
      usesEngine: false,
      figure: entry.id,
    },
  ];
}

export function allDecls(): StepDecl[] {
  return [...STEP_DECLS, ...CATALOG.filter((e) => e.build).flatMap(figureDecls)];
}

export interface PlanOptions {
  repoRoot: string;
  engine: EngineFingerprint;
  /** figure ids to build; all figures with a module when absent */
  only?: string[];
}

export async function planRun(profile: Profile, options: PlanOptions): Promise<Plan> {
  const decls = allDecls();
  const byName = new Map(decls.map((d) => [d.name, d]));
  for (const d of decls) {
    for (const input of d.inputs) {
      if (!byName.has(input)) throw new Error(`step ${d.name} reads '${input}', which no step produces`);
    }
  }
  const buildable = CATALOG.filter((e) => e.build);
  let wanted: Set<string>;
  if (options.only && options.only.length > 0) {
    for (const id of options.only) {
      const entry = catalogEntry(id);
      if (!entry.build) throw new Error(`${id} (${entry.title}) has no figure module yet: it cannot be built`);
    }
    wanted = new Set(options.only);
  } else {
    wanted = new Set(buildable.map((e) => e.id));
  }

  // every step any buildable figure needs, in dependency order
  const order: StepDecl[] = [];
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (order.some((d) => d.name === name)) return;
    if (visiting.has(name)) throw new Error(`the steps form a cycle through ${name}`);
    visiting.add(name);
    const decl = byName.get(name)!;
    for (const input of decl.inputs) visit(input);
    visiting.delete(name);
    order.push(decl);
  };
  for (const entry of buildable) visit(`render:${entry.id}`);
  const claims = decls.filter((d) => d.kind === 'claims');
  for (const decl of claims) visit(decl.name);

  const selected = new Set<string>();
  const select = (name: string): void => {
    if (selected.has(name)) return;
    selected.add(name);
    for (const input of byName.get(name)!.inputs) select(input);
  };
  for (const id of wanted) select(`render:${id}`);
  // a claims step is checked whenever everything it reads is built for the figures asked for
  for (const decl of claims) if (decl.inputs.every((i) => selected.has(i))) select(decl.name);

  const hasher = new SourceHasher(options.repoRoot);
  const keys = new Map<string, string>();
  const steps: PlannedStep[] = [];
  for (const decl of order) {
    const params = decl.params(profile);
    const components = await keyComponents(decl, params, { hasher, engine: options.engine, inputKeys: keys });
    const key = keyOf(components);
    keys.set(decl.name, key);
    steps.push({ decl, params, components, key, selected: selected.has(decl.name) });
  }
  return {
    profile,
    engine: options.engine,
    steps,
    figures: buildable.map((entry) => ({ entry, selected: wanted.has(entry.id) })),
  };
}

/**
 * What a step's key is made of. Its sources are the closure of its entry, the modules it loads
 * dynamically and the modules its jobs run in workers: a job module is hashed even when the
 * entry imports nothing from it but types, which vanish at run time.
 */
export async function keyComponents(
  decl: StepDecl,
  params: unknown,
  context: { hasher: SourceHasher; engine: EngineFingerprint; inputKeys: Map<string, string> },
): Promise<KeyComponents> {
  const { sources, packages } = await context.hasher.closure([decl.entry, ...(decl.extraSources ?? []), ...(decl.jobs ?? [])]);
  return {
    step: decl.name,
    sources,
    packages,
    params: params ?? null,
    inputs: Object.fromEntries(decl.inputs.map((i) => [i, context.inputKeys.get(i)!])),
    engine: decl.usesEngine ? context.engine : null,
  };
}

/** The steps a figure depends on (itself included), in plan order. */
export function stepsOfFigure(plan: Plan, figureId: string): PlannedStep[] {
  const byName = new Map(plan.steps.map((s) => [s.decl.name, s]));
  const needed = new Set<string>();
  const walk = (name: string): void => {
    if (needed.has(name)) return;
    const step = byName.get(name);
    if (!step) throw new Error(`${figureId} is not part of this plan (no figure module?)`);
    needed.add(name);
    for (const input of step.decl.inputs) walk(input);
  };
  walk(`render:${figureId}`);
  return plan.steps.filter((s) => needed.has(s.decl.name));
}
