// E6: declared, not built yet: its figures are listed as missing until its steps exist.
import { defineExperiment } from '../kit/experiment.ts';

export const interpolation = defineExperiment({
  id: 'E6',
  slug: 'interpolation',
  summary: 'interpolation: straight lines between trained models and random directions around a minimum',
  settings: [],
  steps: [],
});
