// E2: ReLU and its polynomial approximations. Built so far: the least-squares fits of ReLU
// (an analysis, no network); the training of the polynomial net is still to come.
import { defineExperiment } from '../kit/experiment.ts';

export const polynomialNet = defineExperiment({
  id: 'E2',
  slug: 'polynomial-net',
  summary: 'the polynomial net: ReLU and its polynomial approximations, and the same network trained with each',
  settings: ['reluFits'],
  steps: [
    {
      name: 'analysis:relu-fits',
      kind: 'analysis',
      entry: 'pipeline/analysis/relu-fits-step.ts',
      // deterministic and seed-free: only the interval, the degrees and the sampling matter
      params: (profile) => profile.reluFits,
      inputs: [],
      usesEngine: false,
    },
  ],
});
