// The contract between the planner and the code that does the work.
//
// A step is a pure function of its inputs: it reads the artifacts of the steps it names in
// `inputs`, the parameters it declared in `params`, and writes files into `outDir`. The planner
// hashes all of that (plus the step's source files) into the step's cache key.
import type { Profile } from './profiles.ts';

/** A finished, verified artifact in the cache: a read-only folder of files. */
export interface ArtifactRef {
  /** the step that produced it */
  step: string;
  /** the cache key (SHA-256 hex) */
  key: string;
  /** absolute path of the object folder */
  dir: string;
}

export type StepKind = 'data' | 'experiment' | 'analysis' | 'figure' | 'render';

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
  /** report progress of long work; cheap to call often */
  progress(done: number, total: number, detail?: string): void;
  log(message: string): void;
}

/** What a step module exports. */
export interface StepModule<P = unknown> {
  run(ctx: StepContext<P>): Promise<void>;
}

export interface StepDef {
  /** unique name, e.g. `experiment:sgd-stages`, `figure:fig-03` */
  name: string;
  kind: StepKind;
  /** repo-relative paths of the modules whose source (and local imports) define the step */
  sources: string[];
  /** repo-relative path of the module exporting `run` (one of `sources`) */
  entry: string;
  /** the profile parameters this step reads; canonical-JSON-able */
  params: unknown;
  /** names of the steps whose artifacts this step reads */
  inputs: string[];
  /** true when its numbers depend on the tensor backend (then the engine fingerprint is keyed) */
  usesEngine: boolean;
  /** for figure / render steps: the figure id */
  figure?: string;
}
