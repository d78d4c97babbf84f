// How an experiment is declared: once, in its own folder (`<slug>/experiment.ts`), and listed in
// ../registry.ts. Everything else derives from that one declaration: the planner's steps, the
// catalog's experiment ids, the site's labels and settings tables, and the claims checked on it.
import type { Profile } from '../../profiles.ts';
import type { StepDecl } from '../../step.ts';

/** The repo-relative module of the training job every trajectory runs (see trajectory-job.ts). */
export const TRAJECTORY_JOB = 'pipeline/experiments/kit/trajectory-job.ts';
/** The job that evaluates derived models: averages, interpolations (see evaluate-job.ts). */
export const EVALUATE_JOB = 'pipeline/experiments/kit/evaluate-job.ts';

/**
 * The claims checked on an experiment's artifacts: a module exporting `claims: ClaimDecl[]` (and,
 * when some of them need the paper's regime, `regime`), evaluated by one cached step
 * `claims:<id>` that reads `inputs`.
 */
export interface ClaimGroupDecl {
  /** unique among claim groups: the experiment id, or e.g. 'mds' for claims across experiments */
  id: string;
  module: string;
  inputs: string[];
}

export interface ExperimentDecl<Id extends string = string> {
  /** the paper's experiment, E1-E7 (shared/paper/FIGURES.md) */
  id: Id;
  /** the name in step names (`experiment:<slug>`) and folders */
  slug: string;
  /** what runs, in a sentence, for the site */
  summary: string;
  /** the profile's sections it reads: shown on the site as the settings actually used */
  settings: Array<keyof Profile>;
  /** its steps, experiment and analyses; empty while it is not built yet */
  steps: StepDecl[];
  claims?: ClaimGroupDecl;
}

/** Keeps the literal id, so the registry can derive the ExperimentId type from its list. */
export function defineExperiment<const Id extends string>(decl: ExperimentDecl<Id>): ExperimentDecl<Id> {
  return decl;
}

/**
 * The experiment step of a training experiment: it reads the data, its numbers depend on the
 * engine, and its workers run the kit's jobs (training and evaluation, hashed into its key).
 * `waves`: the function of its step module that gives its trajectories from its params (for --plan).
 */
export function trainingStep(slug: string, params: (profile: Profile) => unknown, options: { inputs?: string[]; jobs?: string[]; waves?: string } = {}): StepDecl {
  return {
    ...(options.waves ? { waves: { module: `pipeline/experiments/${slug}/step.ts`, fn: options.waves } } : {}),
    name: `experiment:${slug}`,
    kind: 'experiment',
    entry: `pipeline/experiments/${slug}/step.ts`,
    params,
    inputs: ['data', ...(options.inputs ?? [])],
    usesEngine: true,
    jobs: options.jobs ?? [TRAJECTORY_JOB, EVALUATE_JOB],
  };
}
