// Runs an experiment's trajectories in the worker pool: wave after wave (a wave's trajectories
// are independent; a later wave may start from checkpoints of an earlier one), with one progress
// display over all of them, resume from checkpoints, and a check that every job trained on the
// engine the step is keyed for.
import { canonicalJson } from '../../cache.ts';
import type { EngineFingerprint } from '../../engine/fingerprint.ts';
import type { StepContext } from '../../step.ts';
import { TRAJECTORY_JOB } from './experiment.ts';
import { addTrajectories, SnapshotWriter } from './snapshots.ts';
import type { Divergence, TrajectorySpec } from './trajectory.ts';
import type { TrajectoryJobInput, TrajectoryJobOutput } from './trajectory-job.ts';

export interface Wave {
  /** names the wave in progress and resume messages, e.g. 'stage 3/12' */
  label: string;
  trajectories: TrajectorySpec[];
}

/** What happened to each trajectory, by name. */
export interface TrajectoryOutcome {
  resumedAfter: number;
  diverged: Divergence | null;
  /** the epoch it stopped at on reaching its `until` training error, else null */
  stoppedAt: number | null;
}

export async function runTrajectories(ctx: StepContext, seed: number, waves: Wave[]): Promise<Map<string, TrajectoryOutcome>> {
  const names = waves.flatMap((w) => w.trajectories.map((t) => t.name));
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`two trajectories are named ${duplicate}`);
  const total = waves.reduce((n, w) => n + w.trajectories.reduce((m, t) => m + t.epochs, 0), 0);
  const progress = new Map<string, number>();
  const tick = (name: string, done: number, detail: string): void => {
    progress.set(name, done);
    ctx.progress([...progress.values()].reduce((a, b) => a + b, 0), total, detail);
  };
  const workers = `${ctx.jobs.size} worker${ctx.jobs.size > 1 ? 's' : ''}`;
  const outcomes = new Map<string, TrajectoryOutcome>();

  for (const wave of waves) {
    const jobs = wave.trajectories.map((spec) => {
      const input: TrajectoryJobInput = { dataDir: ctx.inputs['data']!.dir, scratchDir: ctx.scratchDir, seed, spec };
      return ctx.jobs
        .run<TrajectoryJobInput, TrajectoryJobOutput>({ module: TRAJECTORY_JOB, fn: 'runTrajectory', input, label: spec.name }, (done) =>
          tick(spec.name, done, `${wave.label}, ${ctx.jobs.status?.() ?? workers}`),
        )
        .then((out) => {
          checkEngine(ctx, spec.name, out.engine);
          for (const line of out.damaged) ctx.log(line);
          tick(spec.name, spec.epochs, wave.label);
          outcomes.set(spec.name, { resumedAfter: out.resumedAfter, diverged: out.diverged, stoppedAt: out.stoppedAt });
          return out;
        });
    });
    // wait for the whole wave, so a failure never leaves jobs running behind it
    const settled = await Promise.allSettled(jobs);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    reportWave(ctx, wave, outcomes);
  }
  return outcomes;
}

/** A job's numbers count only if it ran on the engine the step's key names. */
export function checkEngine(ctx: StepContext, job: string, engine: EngineFingerprint): void {
  if (canonicalJson(engine) !== canonicalJson(ctx.engine)) {
    throw new Error(`${job} ran on ${canonicalJson(engine)}, but the step is keyed for ${canonicalJson(ctx.engine)}`);
  }
}

function reportWave(ctx: StepContext, wave: Wave, outcomes: Map<string, TrajectoryOutcome>): void {
  const complete: string[] = [];
  const partway: string[] = [];
  for (const spec of wave.trajectories) {
    const { resumedAfter, diverged, stoppedAt } = outcomes.get(spec.name)!;
    if (diverged?.startDiverged) ctx.log(`${spec.name} is not trained: it starts from ${diverged.startDiverged}, which diverged`);
    else if (diverged) ctx.log(`${spec.name} diverged in epoch ${diverged.epoch} (loss ${diverged.loss}); it stops there`);
    if (resumedAfter === (stoppedAt ?? spec.epochs)) complete.push(spec.name);
    else if (resumedAfter > 0) partway.push(`${spec.name} after epoch ${resumedAfter}`);
  }
  if (complete.length + partway.length > 0) {
    ctx.log(`${wave.label}: from checkpoints, ${complete.length} trajectories already complete` + (partway.length ? `, resumed ${partway.join(', ')}` : ''));
  }
}

/**
 * What most training steps do: run the waves, then write every trajectory, in wave order, into
 * the step's snapshot artifact with the step's settings as its index's settings.
 */
export async function runToSnapshots<S>(ctx: StepContext, seed: number, waves: Wave[], settings: S): Promise<void> {
  const outcomes = await runTrajectories(ctx, seed, waves);
  const writer = new SnapshotWriter(ctx.outDir);
  await addTrajectories(writer, ctx.scratchDir, waves.flatMap((w) => w.trajectories), outcomes);
  await writer.close(settings);
}
