// E2: ReLU and its polynomial approximations: the least-squares fits of ReLU (an analysis, no
// network), and the same DCNN trained with ReLU and with those fits as its activation.
import { defineExperiment, trainingStep } from '../kit/experiment.ts';

export const polynomialNet = defineExperiment({
  id: 'E2',
  slug: 'polynomial-net',
  summary: 'the polynomial net: ReLU and its polynomial approximations, and the same network trained with each',
  settings: ['net', 'reluFits', 'polynomialNet'],
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
    trainingStep('polynomial-net', (p) => ({ seed: p.seed, net: p.net, a: p.reluFits.a, poly: p.polynomialNet }), { waves: 'polynomialNetTrajectories' }),
  ],
  claims: { id: 'E2', module: 'pipeline/experiments/polynomial-net/claims.ts', inputs: ['experiment:polynomial-net'] },
});
