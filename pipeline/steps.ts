// Every step that is not a figure: the data, the experiments and the analyses. Figure and render
// steps come from the catalog (see plan.ts).
import { reluFitsSteps } from './analysis/relu-fits-steps.ts';
import { sgdStagesMdsSteps } from './analysis/sgd-stages-mds/steps.ts';
import { basinModelSteps } from './experiments/basin-model/steps.ts';
import { sgdStagesSteps } from './experiments/sgd-stages/steps.ts';
import type { StepDecl } from './step.ts';

const dataSteps: StepDecl[] = [
  {
    name: 'data',
    kind: 'data',
    entry: 'pipeline/data/step.ts',
    params: (p) => p.data,
    inputs: [],
    usesEngine: false,
  },
];

export const STEP_DECLS: StepDecl[] = [...dataSteps, ...basinModelSteps, ...reluFitsSteps, ...sgdStagesSteps, ...sgdStagesMdsSteps];
