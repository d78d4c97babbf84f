import { LAYERS } from '../../engine/net.ts';
import type { StepDecl } from '../../step.ts';

/** `analysis:sgd-stages-mds:layer-<l>` for each of the five layers; a run computes only those a figure needs. */
export const sgdStagesMdsSteps: StepDecl[] = Array.from({ length: LAYERS }, (_, i) => ({
  name: `analysis:sgd-stages-mds:layer-${i + 1}`,
  kind: 'analysis' as const,
  entry: 'pipeline/analysis/sgd-stages-mds/step.ts',
  params: () => ({ layer: i + 1, dissimilarity: 'cosine', laterStagesFrom: 5 }),
  inputs: ['experiment:sgd-stages'],
  usesEngine: false,
}));
