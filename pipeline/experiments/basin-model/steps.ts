// The declaration of E1 for the planner.
import type { Profile } from '../../profiles.ts';
import type { StepDecl } from '../../step.ts';
import type { BasinModelParams } from './artifact.ts';

/** The step's parameters: the profile's basin-model table and the root seed its streams derive from. */
export function basinModelParams(profile: Profile): BasinModelParams {
  return { seed: profile.seed, ...profile.basinModel };
}

export const basinModelSteps: StepDecl[] = [
  {
    name: 'experiment:basin-model',
    kind: 'experiment',
    entry: 'pipeline/experiments/basin-model/step.ts',
    params: basinModelParams,
    inputs: [],
    usesEngine: false,
  },
];
