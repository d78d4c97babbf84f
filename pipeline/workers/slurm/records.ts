// What a run records about the executor that ran its jobs (the run manifest's `executor`, shown
// on the site's run page): for Slurm, every array it submitted, and each task's tries, with the
// node, the wall time and how the try ended.
export interface SlurmTaskTry {
  /** Slurm's id of the task, e.g. 1234_5 */
  id: string;
  /** COMPLETED, FAILED, CANCELLED, ... (or 'unknown' when Slurm had forgotten it) */
  state: string;
  exitCode: number | null;
  node: string | null;
  /** wall time of the task's script, from the task's own record */
  seconds: number | null;
}

export interface SlurmTaskRecord {
  index: number;
  /** the job's label, e.g. a trajectory's name */
  job: string;
  tries: SlurmTaskTry[];
}

export interface SlurmArrayRecord {
  /** the step whose jobs it ran */
  step: string | null;
  /** the array's job ids: the first submission, then one per retry */
  jobIds: string[];
  tasks: SlurmTaskRecord[];
}

export interface SlurmSettings {
  partition?: string;
  gres?: string;
  time?: string;
  maxParallel?: number;
  retries: number;
}

export type ExecutorRecord =
  | { kind: 'local'; workers: number }
  | { kind: 'slurm'; settings: SlurmSettings; arrays: SlurmArrayRecord[] };
