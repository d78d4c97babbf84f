// E5: a global minimum kicked and retrained with full-batch GD (the paper's Figure 5 and its
// appendix), the MDS maps of the copies' trajectories, and the degeneracy analysis (Figure 45).
import { mdsSteps } from '../../analysis/trajectory-mds/steps.ts';
import type { MdsViewDecl } from '../../analysis/trajectory-mds/views.ts';
import { DEGENERACY_STEP } from '../../analysis/degeneracy/artifact.ts';
import type { DegeneracyParams } from '../../analysis/degeneracy/step.ts';
import { defineExperiment, trainingStep } from '../kit/experiment.ts';
import { FLAT_MINIMA_STEP, type FlatMinimaParams } from './artifact.ts';

/** Figure 5's noise level: its maps are drawn for every layer, the other levels' for layer 2. */
export const FIGURE_5_K = 0.1;
/** The copy drawn alone in panel C2. */
export const SINGLE_COPY = 1;

export const copiesView = (k: number): string => `k-${k}`;
export const singleCopyView = (k: number): string => `k-${k}-copy-${SINGLE_COPY}`;

/** Two views per k: its copies together (C1) and one copy alone (C2). */
export function copyViews(ks: number[]): MdsViewDecl[] {
  return ks.flatMap((k): MdsViewDecl[] => [
    { id: copiesView(k), label: `the copies kicked by ${k} x S`, where: { role: 'copy', k } },
    { id: singleCopyView(k), label: `copy ${SINGLE_COPY}, kicked by ${k} x S`, where: { role: 'copy', k, copy: SINGLE_COPY } },
  ]);
}

export const flatMinima = defineExperiment({
  id: 'E5',
  slug: 'flat-minima',
  summary: 'flat minima: a global minimum kicked by layerwise noise k x S and retrained with full-batch GD, 4 copies per k',
  settings: ['net', 'flatMinima'],
  steps: [
    trainingStep('flat-minima', (p): FlatMinimaParams => ({ seed: p.seed, net: p.net, flat: p.flatMinima }), { waves: 'flatMinimaWaves' }),
    ...mdsSteps({ experiment: 'flat-minima', source: FLAT_MINIMA_STEP, layers: [2], views: (p) => copyViews(p.flatMinima.ks) }),
    ...mdsSteps({ experiment: 'flat-minima', source: FLAT_MINIMA_STEP, layers: [3, 4, 5, 6], views: () => copyViews([FIGURE_5_K]) }),
    {
      name: DEGENERACY_STEP,
      kind: 'analysis',
      entry: 'pipeline/analysis/degeneracy/step.ts',
      params: (p): DegeneracyParams => ({ seed: p.seed, corollary: p.flatMinima.corollary }),
      inputs: [FLAT_MINIMA_STEP],
      usesEngine: false,
    },
  ],
  claims: { id: 'E5', module: 'pipeline/experiments/flat-minima/claims.ts', inputs: [FLAT_MINIMA_STEP, DEGENERACY_STEP] },
});
