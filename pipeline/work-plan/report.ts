// `npm run figures -- --plan`: the work ahead, computed from the plan and the cache without
// computing anything: per training experiment its jobs, image-steps and what is already cached
// (whole objects, and epochs checkpointed by an interrupted run), then an estimate of the wall
// time from a short timing of this engine, with the local worker pool and with N Slurm tasks.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Cache } from '../cache.ts';
import { predictFingerprint } from '../engine/fingerprint.ts';
import type { TrajectorySpec } from '../experiments/kit/trajectory.ts';
import type { Wave } from '../experiments/kit/trajectories.ts';
import { defaultJobs, runProfile } from '../figures-command.ts';
import type { Overrides } from '../overrides.ts';
import { planRun, type PlannedStep } from '../plan.ts';
import { formatSeconds } from '../progress.ts';
import { imageSteps, plannedWaves, wallSeconds, type PlannedJob, type PlannedWave } from './estimate.ts';
import { measure, timingKey } from './timing.ts';

export interface PlanWorkOptions {
  profile: string;
  overrides?: Overrides;
  only?: string[];
  cacheDir: string;
  repoRoot: string;
  /** local workers (--jobs; default one per core) */
  workers?: number;
  /** Slurm tasks at once (--slurm-max-parallel; default: every job of a wave) */
  slurmTasks?: number;
}

interface TrainingRow {
  step: string;
  cached: boolean;
  waves: PlannedWave[];
}

async function wavesOf(repoRoot: string, step: PlannedStep): Promise<Wave[]> {
  const { module, fn } = step.decl.waves!;
  const exports = (await import(pathToFileURL(join(repoRoot, module)).href)) as Record<string, (params: unknown) => Wave[] | TrajectorySpec[]>;
  const made = exports[fn]!(step.params);
  // one wave's trajectories, or the waves themselves
  return made.length > 0 && 'trajectories' in made[0]! ? (made as Wave[]) : [{ label: step.decl.name, trajectories: made as TrajectorySpec[] }];
}

/** Epochs checkpointed per trajectory in a step's scratch folder (trajectory-store.ts). */
async function checkpointed(scratchDir: string, name: string): Promise<number> {
  const files = await readdir(join(scratchDir, name)).catch(() => [] as string[]);
  return Math.max(0, ...files.map((f) => /^epoch-(\d+)\.json$/.exec(f)).filter(Boolean).map((m) => Number(m![1])));
}

const count = (n: number): string => n.toLocaleString('en-US');

export async function planWork(options: PlanWorkOptions): Promise<string[]> {
  const profile = runProfile(options.profile, options.overrides);
  const plan = await planRun(profile, { repoRoot: options.repoRoot, engine: predictFingerprint(), only: options.only });
  const cache = new Cache(options.cacheDir);
  const images = profile.data.train;
  const rows: TrainingRow[] = [];
  let otherToCompute = 0;
  let otherCached = 0;
  for (const step of plan.steps.filter((s) => s.selected)) {
    const cached = (await cache.verify(step.key)).status === 'ok';
    if (!step.decl.waves) {
      if (cached) otherCached++;
      else otherToCompute++;
      continue;
    }
    const waves = await wavesOf(options.repoRoot, step);
    const done = new Map<string, number>();
    for (const t of waves.flatMap((w) => w.trajectories)) done.set(t.name, cached ? t.epochs : await checkpointed(cache.scratchDir(step.key), t.name));
    rows.push({ step: step.decl.name, cached, waves: plannedWaves(waves, images, (name) => done.get(name) ?? 0) });
  }

  const jobs = rows.flatMap((r) => r.waves.flatMap((w) => w.jobs));
  const left = jobs.filter((j) => j.remaining > 0);
  const workers = options.workers ?? defaultJobs(plan.engine);
  const tasks = options.slurmTasks ?? Math.max(1, ...rows.flatMap((r) => r.waves.map((w) => w.jobs.length)));
  const timing = left.length > 0 ? await measure(left.map((j) => ({ width: j.width, kind: j.kind }))) : null;
  const perImage = (j: PlannedJob): number => timing!.secondsPerImage.get(timingKey(j.width, j.kind))!;
  const estimate = (waves: PlannedWave[], slots: number, startup = 0): string => (timing ? formatSeconds(wallSeconds(waves, images, perImage, slots, startup)) : '-');
  const allWaves = rows.flatMap((r) => r.waves);

  const lines = [`plan of profile ${profile.name} (${count(images)} training images): computes nothing`];
  const table: string[][] = [['training step', 'jobs', 'waves', 'image-steps', 'cached', 'local', `Slurm, ${tasks} tasks`]];
  for (const r of rows) {
    const rj = r.waves.flatMap((w) => w.jobs);
    const all = imageSteps(r.waves, images, 'all');
    const remaining = imageSteps(r.waves, images, 'remaining');
    const cachedText = r.cached ? 'all (object)' : remaining === all ? 'nothing' : `${Math.round((100 * (all - remaining)) / all)}% (checkpoints)`;
    table.push([r.step, count(rj.length), count(r.waves.length), `${rj.some((j) => j.capped) ? 'at most ' : ''}${count(all)}`, cachedText, estimate(r.waves, workers), estimate(r.waves, tasks, timing?.startup)]);
  }
  table.push(['total', count(jobs.length), count(allWaves.length), count(imageSteps(allWaves, images, 'all')), `${count(imageSteps(allWaves, images, 'all') - imageSteps(allWaves, images, 'remaining'))} done`, estimate(allWaves, workers), estimate(allWaves, tasks, timing?.startup)]);
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const row of table) lines.push(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  lines.push(`other steps (data, analyses, claims, figures): ${otherToCompute} to compute, ${otherCached} cached; not in the estimate`);
  if (timing) {
    const speeds = [...timing.secondsPerImage].map(([key, s]) => `${key.replace('/', ' ')} ${count(Math.round(1 / s))} images/s`).join(', ');
    lines.push(`timed on this machine's engine (${timing.engine}), one kernel thread per job: ${speeds}; a process starts and loads the engine in ${timing.startup.toFixed(1)} s`);
    lines.push(`local: ${workers} worker${workers === 1 ? '' : 's'}; Slurm: ${tasks} tasks at once (--slurm-max-parallel), each wave's tasks start after the one before it ends, each paying the start-up.`);
    lines.push('Training steps only (the evaluation after every epoch comes on top), at this engine\'s speed: nodes with a GPU engine run at theirs.');
  } else {
    lines.push('nothing left to train');
  }
  return lines;
}
