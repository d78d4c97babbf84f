// E6: straight lines between E5's models and random directions around M_final (Figures 41-43, the
// real-net panels of Figure 1), evaluated in the worker pool from E5's snapshot artifact.
import { EVALUATE_JOB, defineExperiment, trainingStep } from '../kit/experiment.ts';
import { FLAT_MINIMA_STEP } from '../flat-minima/artifact.ts';
import { INTERPOLATION_STEP, type InterpolationParams } from './artifact.ts';

export const interpolation = defineExperiment({
  id: 'E6',
  slug: 'interpolation',
  summary: "interpolation: straight lines between E5's solutions and random filter-normalized directions around M_final and an early model",
  settings: ['net', 'interpolation'],
  steps: [trainingStep('interpolation', (p): InterpolationParams => ({ seed: p.seed, net: p.net, interpolation: p.interpolation }), { inputs: [FLAT_MINIMA_STEP], jobs: [EVALUATE_JOB] })],
  claims: { id: 'E6', module: 'pipeline/experiments/interpolation/claims.ts', inputs: [INTERPOLATION_STEP, FLAT_MINIMA_STEP] },
});
