// E5: declared, not built yet: its figures are listed as missing until its steps exist.
import { defineExperiment } from '../kit/experiment.ts';

export const flatMinima = defineExperiment({
  id: 'E5',
  slug: 'flat-minima',
  summary: 'flat minima: a global minimum perturbed four times and retrained with full-batch GD',
  settings: [],
  steps: [],
});
