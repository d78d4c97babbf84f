// Every step that is not a figure: the data, the experiments and their analyses (declared in
// experiments/registry.ts), and one claims step per claim group. Figure and render steps come
// from the catalog (see plan.ts).
import { claimGroups, experimentSteps } from './experiments/registry.ts';
import type { StepDecl } from './step.ts';

export const CLAIMS_STEP_ENTRY = 'pipeline/claims/step.ts';

const dataSteps: StepDecl[] = [
  {
    name: 'data',
    kind: 'data',
    entry: 'pipeline/data/step.ts',
    params: (p) => p.data,
    inputs: [],
    usesEngine: false,
  },
];

export function claimStepName(group: string): string {
  return `claims:${group}`;
}

const claimSteps: StepDecl[] = claimGroups().map((group) => ({
  name: claimStepName(group.id),
  kind: 'claims',
  entry: CLAIMS_STEP_ENTRY,
  extraSources: [group.module],
  params: () => ({ group: group.id, module: group.module }),
  inputs: group.inputs,
  usesEngine: false,
}));

export const STEP_DECLS: StepDecl[] = [...dataSteps, ...experimentSteps(), ...claimSteps];

/**
 * Every module a step's workers run (the steps' `jobs`, the only ones the runner lets them run):
 * what the bundle compiles in (tools/bundle/compile.ts), so that a job sent to a compute node
 * finds its module there.
 */
export const JOB_MODULES: readonly string[] = [...new Set(STEP_DECLS.flatMap((decl) => decl.jobs ?? []))].sort();
