// E4: batch gradient descent with kicked branches and epoch-wise averages (the paper's Figure 4,
// its appendix for other layers and larger kicks, and panel F of Figure 1).
import { mdsSteps } from '../../analysis/trajectory-mds/steps.ts';
import type { MdsViewDecl } from '../../analysis/trajectory-mds/views.ts';
import type { BgdBranchesSettings } from '../../profiles/bgd-branches.ts';
import { defineExperiment, trainingStep } from '../kit/experiment.ts';

/** The view of noise level k: the main trajectory (k 0), the branches kicked by k x S and their averages. */
export const noiseView = (k: number): string => `k-${k}`;

export function noiseViews(bgd: BgdBranchesSettings, only?: number): MdsViewDecl[] {
  return bgd.noise
    .filter((k) => only === undefined || k === only)
    .map((k) => ({ id: noiseView(k), label: `branches kicked by ${k} x S`, where: { k: [0, k] }, epochs: { every: bgd.mapEvery, last: true } }));
}

export const bgdBranches = defineExperiment({
  id: 'E4',
  slug: 'bgd-branches',
  summary: 'BGD branches: exact full-batch gradient descent, branches kicked by k x S noise at four epochs, and the epoch-wise averages of branch and main models',
  settings: ['net', 'bgdBranches'],
  steps: [
    trainingStep('bgd-branches', (p) => ({ seed: p.seed, net: p.net, bgd: p.bgdBranches }), { waves: 'branchWaves' }),
    // layer 2 maps every noise level (Figures 4, 29, 30); layers 3-6 only Figure 4's (Figures 25-28)
    ...mdsSteps({ experiment: 'bgd-branches', source: 'experiment:bgd-branches', layers: [2], views: (p) => noiseViews(p.bgdBranches) }),
    ...mdsSteps({ experiment: 'bgd-branches', source: 'experiment:bgd-branches', layers: [3, 4, 5, 6], views: (p) => noiseViews(p.bgdBranches, p.bgdBranches.noise[0]) }),
  ],
  claims: { id: 'E4', module: 'pipeline/experiments/bgd-branches/claims.ts', inputs: ['experiment:bgd-branches', 'experiment:sgd-stages'] },
});
