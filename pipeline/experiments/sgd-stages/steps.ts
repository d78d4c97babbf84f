import type { StepDecl } from '../../step.ts';

export const sgdStagesSteps: StepDecl[] = [
  {
    name: 'experiment:sgd-stages',
    kind: 'experiment',
    entry: 'pipeline/experiments/sgd-stages/step.ts',
    params: (p) => ({ seed: p.seed, net: p.net, sgd: p.sgdStages }),
    inputs: ['data'],
    usesEngine: true,
  },
];
