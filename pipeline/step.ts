// The contract between the planner and the code that does the work.
//
// A step is a pure function of its inputs: it reads the artifacts of the steps it names in
// `inputs`, the parameters it declared in `params`, and writes files into `outDir`. The planner
// hashes all of that (plus the step's source files) into the step's cache key.
import type { EngineFingerprint } from './engine/fingerprint.ts';
import type { Profile } from './profiles.ts';
import type { JobRunner } from './workers/pool.ts';

/** A finished, verified artifact in the cache: a read-only folder of files. */
export interface ArtifactRef {
  /** the step that produced it */
  step: string;
  /** the cache key (SHA-256 hex) */
  key: string;
  /** absolute path of the object folder */
  dir: string;
}

export type StepKind = 'data' | 'experiment' | 'analysis' | 'claims' | 'figure' | 'render';

export interface StepContext<P = unknown> {
  profile: Profile;
  /** exactly the parameters the step declared; they are part of its key */
  params: P;
  /** the artifacts of the steps named in `inputs`, by step name */
  inputs: Record<string, ArtifactRef>;
  /** a fresh, empty folder: everything written here becomes the artifact on success */
  outDir: string;
  /**
   * A folder that survives an interrupted run of the same key (same inputs, same code), for
   * checkpoints. It is removed once the artifact is committed.
   */
  scratchDir: string;
  /** runs independent jobs (e.g. training trajectories) in parallel worker processes */
  jobs: JobRunner;
  /** the engine fingerprint in the step's key (null for steps that do not use the engine) */
  engine: EngineFingerprint | null;
  /** report progress of long work; cheap to call often */
  progress(done: number, total: number, detail?: string): void;
  log(message: string): void;
}

/** What a step module exports. */
export interface StepModule<P = unknown> {
  run(ctx: StepContext<P>): Promise<void>;
}

/**
 * How a step is declared to the planner. The planner derives the rest: the source files (the
 * entry module, `extraSources`, and every local module they import, transitively), the key, and
 * where the artifact lives.
 */
export interface StepDecl {
  /** unique name, e.g. `experiment:sgd-stages`, `figure:fig-03` */
  name: string;
  kind: StepKind;
  /** repo-relative path of the module exporting `run` */
  entry: string;
  /** further repo-relative modules the step loads dynamically (e.g. a figure module) */
  extraSources?: string[];
  /**
   * The modules its jobs run in worker processes (`ctx.jobs.run({ module })`). They are hashed
   * into the key like the step's own sources, whether or not the entry imports them, and a job
   * naming a module that is not declared here is refused.
   */
  jobs?: string[];
  /** the profile parameters this step reads; canonical-JSON-able, part of the key */
  params(profile: Profile): unknown;
  /** names of the steps whose artifacts this step reads */
  inputs: string[];
  /** true when its numbers depend on the tensor backend (then the engine fingerprint is keyed) */
  usesEngine: boolean;
  /** for figure and render steps: the figure id */
  figure?: string;
  /**
   * For `npm run figures -- --plan`: the function of `module` that gives, from the step's params,
   * the training it does: the kit's waves (Wave[]), or one wave's trajectories (TrajectorySpec[]).
   * Imported only by the plan, so planning a run loads none of it.
   */
  waves?: { module: string; fn: string };
}
