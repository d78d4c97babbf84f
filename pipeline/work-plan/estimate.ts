// The arithmetic of --plan: a step's training as waves of jobs (what is left of each after its
// checkpoints), image-steps, and wall time with a number of parallel slots. Within a wave the jobs
// are independent and go to the least busy slot, longest first; waves run one after the other.
import { fitsOnePass } from '../engine/full-batch.ts';
import type { TrajectorySpec } from '../experiments/kit/trajectory.ts';
import type { Wave } from '../experiments/kit/trajectories.ts';

/** SGD; full-batch GD in one pass over the set; full-batch GD in exact chunks (slower per image). */
export type TrainingKind = 'sgd' | 'gd' | 'gd-chunked';

export interface PlannedJob {
  name: string;
  width: number;
  kind: TrainingKind;
  epochs: number;
  /** epochs not yet checkpointed */
  remaining: number;
  /** it may stop early (`until`): its epochs are a cap */
  capped: boolean;
}

export interface PlannedWave {
  label: string;
  jobs: PlannedJob[];
}

export function kindOf(spec: TrajectorySpec, trainImages: number): TrainingKind {
  if (spec.optimizer.kind === 'sgd') return 'sgd';
  return fitsOnePass(spec.net.width, trainImages) ? 'gd' : 'gd-chunked';
}

/** A step's waves as the plan sees them; `done(name)` is how many epochs are checkpointed. */
export function plannedWaves(waves: Wave[], trainImages: number, done: (name: string) => number): PlannedWave[] {
  return waves.map((w) => ({
    label: w.label,
    jobs: w.trajectories.map((t) => ({
      name: t.name,
      width: t.net.width,
      kind: kindOf(t, trainImages),
      epochs: t.epochs,
      remaining: Math.max(0, t.epochs - done(t.name)),
      capped: Boolean(t.until),
    })),
  }));
}

/** The time to run jobs of these durations on `slots` parallel slots, longest first. */
export function makespan(durations: number[], slots: number): number {
  const load = new Array<number>(Math.max(1, Math.min(slots, durations.length))).fill(0);
  for (const d of [...durations].sort((a, b) => b - a)) {
    let least = 0;
    for (let i = 1; i < load.length; i++) if (load[i]! < load[least]!) least = i;
    load[least]! += d;
  }
  return Math.max(0, ...load);
}

/**
 * Wall time of the waves on `slots` slots: each job's epochs x images x seconds per image, plus
 * `startup` for each wave that has work (a Slurm task's process and engine start).
 */
export function wallSeconds(waves: PlannedWave[], trainImages: number, secondsPerImage: (job: PlannedJob) => number, slots: number, startup = 0): number {
  let total = 0;
  for (const wave of waves) {
    const durations = wave.jobs.filter((j) => j.remaining > 0).map((j) => j.remaining * trainImages * secondsPerImage(j));
    if (durations.length > 0) total += startup + makespan(durations, slots);
  }
  return total;
}

export function imageSteps(waves: PlannedWave[], trainImages: number, which: 'all' | 'remaining'): number {
  return waves.flatMap((w) => w.jobs).reduce((n, j) => n + (which === 'all' ? j.epochs : j.remaining) * trainImages, 0);
}
