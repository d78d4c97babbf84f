// Every experiment of the paper, each declared once in its own folder. The planner's steps, the
// catalog's experiment ids, the site's labels and settings, and the claim groups all come from
// this list.
import { MDS_STEP_PREFIX } from '../analysis/trajectory-mds/names.ts';
import type { StepDecl } from '../step.ts';
import { basinModel } from './basin-model/experiment.ts';
import { bgdBranches } from './bgd-branches/experiment.ts';
import { flatMinima } from './flat-minima/experiment.ts';
import { interpolation } from './interpolation/experiment.ts';
import type { ClaimGroupDecl } from './kit/experiment.ts';
import { overparametrization } from './overparametrization/experiment.ts';
import { polynomialNet } from './polynomial-net/experiment.ts';
import { sgdStages } from './sgd-stages/experiment.ts';

export const EXPERIMENTS = [basinModel, polynomialNet, sgdStages, bgdBranches, flatMinima, interpolation, overparametrization] as const;

export type ExperimentId = (typeof EXPERIMENTS)[number]['id'];

export function experiment(id: ExperimentId): (typeof EXPERIMENTS)[number] {
  return EXPERIMENTS.find((e) => e.id === id)!;
}

export function experimentSteps(): StepDecl[] {
  return EXPERIMENTS.flatMap((e) => e.steps);
}

/** The experiments' claim groups, and the one claim across them: every MDS map is faithful. */
export function claimGroups(): ClaimGroupDecl[] {
  const mds = experimentSteps().filter((s) => s.name.startsWith(MDS_STEP_PREFIX)).map((s) => s.name);
  const own = EXPERIMENTS.flatMap((e): ClaimGroupDecl[] => ('claims' in e && e.claims ? [e.claims] : []));
  return [...own, ...(mds.length ? [{ id: 'mds', module: 'pipeline/analysis/trajectory-mds/claims.ts', inputs: mds }] : [])];
}
