// E3: 12 stages of 8 parallel SGD trajectories (the paper's Figure 3 and its appendix).
import { mdsSteps } from '../../analysis/trajectory-mds/steps.ts';
import type { MdsViewDecl } from '../../analysis/trajectory-mds/views.ts';
import { PAPER_LAYERS } from '../../engine/net.ts';
import { defineExperiment, trainingStep } from '../kit/experiment.ts';

/** The paper draws the later stages (5 on) on a map of their own, as they crowd the joint one. */
export const LATER_STAGES_FROM = 5;

/** The MDS views of E3: all stages, the later stages, each stage alone. */
export function stageViews(stages: number): MdsViewDecl[] {
  const views: MdsViewDecl[] = [{ id: 'all', label: `stages 1-${stages}` }];
  if (stages > LATER_STAGES_FROM) {
    views.push({ id: `from-stage-${LATER_STAGES_FROM}`, label: `stages ${LATER_STAGES_FROM}-${stages}`, where: { stage: { min: LATER_STAGES_FROM } } });
  }
  for (let s = 1; s <= stages; s++) views.push({ id: `stage-${s}`, label: `stage ${s}`, where: { stage: s } });
  return views;
}

export const sgdStages = defineExperiment({
  id: 'E3',
  slug: 'sgd-stages',
  summary: 'SGD stages: 12 stages of 8 parallel SGD trajectories with a snapshot every epoch',
  settings: ['net', 'sgdStages'],
  steps: [
    trainingStep('sgd-stages', (p) => ({ seed: p.seed, net: p.net, sgd: p.sgdStages }), { waves: 'stageWaves' }),
    ...mdsSteps({ experiment: 'sgd-stages', source: 'experiment:sgd-stages', layers: PAPER_LAYERS, views: (p) => stageViews(p.sgdStages.stages) }),
  ],
  claims: { id: 'E3', module: 'pipeline/experiments/sgd-stages/claims.ts', inputs: ['experiment:sgd-stages'] },
});
