// E7: the same DCNN at increasing width, with natural and with shuffled labels.
import { defineExperiment, trainingStep } from '../kit/experiment.ts';

export const overparametrization = defineExperiment({
  id: 'E7',
  slug: 'overparametrization',
  summary: 'overparametrization: the same network at increasing width, with natural and shuffled labels',
  settings: ['net', 'overparametrization'],
  steps: [trainingStep('overparametrization', (p) => ({ seed: p.seed, net: p.net, over: p.overparametrization, trainImages: p.data.train }), { waves: 'overparametrizationTrajectories' })],
  claims: { id: 'E7', module: 'pipeline/experiments/overparametrization/claims.ts', inputs: ['experiment:overparametrization'] },
});
