// E4: declared, not built yet: its figures are listed as missing until its steps exist.
import { defineExperiment } from '../kit/experiment.ts';

export const bgdBranches = defineExperiment({
  id: 'E4',
  slug: 'bgd-branches',
  summary: 'BGD branches: full-batch gradient descent with perturbed branches and averaged models',
  settings: [],
  steps: [],
});
