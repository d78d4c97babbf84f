// E1: the paper's intuitive model of the landscape as a 2-D function (pure math, no network).
import type { Profile } from '../../profiles.ts';
import { defineExperiment } from '../kit/experiment.ts';
import type { BasinModelParams } from './artifact.ts';

/** The step's parameters: the profile's basin-model table and the root seed its streams derive from. */
export function basinModelParams(profile: Profile): BasinModelParams {
  return { seed: profile.seed, ...profile.basinModel };
}

export const basinModel = defineExperiment({
  id: 'E1',
  slug: 'basin-model',
  summary: 'the basin model: noisy gradient descent on a synthetic landscape of flat-bottomed basins and its basin-fractal variant',
  settings: ['basinModel'],
  steps: [
    {
      name: 'experiment:basin-model',
      kind: 'experiment',
      entry: 'pipeline/experiments/basin-model/step.ts',
      params: basinModelParams,
      inputs: [],
      usesEngine: false,
    },
  ],
});
