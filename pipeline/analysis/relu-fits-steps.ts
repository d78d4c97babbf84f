// The declaration of the ReLU-fit analysis for the planner.
import type { StepDecl } from '../step.ts';

export const reluFitsSteps: StepDecl[] = [
  {
    name: 'analysis:relu-fits',
    kind: 'analysis',
    entry: 'pipeline/analysis/relu-fits-step.ts',
    // deterministic and seed-free: only the interval, the degrees and the sampling matter
    params: (profile) => profile.reluFits,
    inputs: [],
    usesEngine: false,
  },
];
