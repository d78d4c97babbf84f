// E7: declared, not built yet: its figures are listed as missing until its steps exist.
import { defineExperiment } from '../kit/experiment.ts';

export const overparametrization = defineExperiment({
  id: 'E7',
  slug: 'overparametrization',
  summary: 'overparametrization: the same network at increasing width, with natural and shuffled labels',
  settings: [],
  steps: [],
});
