// What `npm run figures` does, as functions the zx entry point (cli.mjs) calls:
// plan -> execute -> run manifest. The site is built afterwards by site.ts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { catalogEntry } from '../figures/catalog.ts';
import { Cache, describeChanges } from './cache.ts';
import { collectClaims } from './claims/collect.ts';
import { fingerprintOf, isGpuEngine, predictFingerprint, sameFingerprint, type EngineFingerprint, type EngineInfo } from './engine/fingerprint.ts';
import { gpuCount } from './engine/gpu-probe.ts';
import { planRun, stepsOfFigure, type Plan } from './plan.ts';
import { getProfile, type Profile } from './profiles.ts';
import { applyOverrides, type Overrides } from './overrides.ts';
import { createReporter, type Reporter } from './progress.ts';
import { executePlan, type StepOutcome } from './runner.ts';
import { InlineRunner, WorkerPool, type JobRunner } from './workers/pool.ts';
import type { ExecutorRecord, SlurmSettings } from './workers/slurm/records.ts';
import { SlurmRunner } from './workers/slurm/runner.ts';
import { availableParallelism } from 'node:os';
import { gitState } from './root.ts';
import { environment, figureRecords, newRunId, writeRunManifest, type RunManifest } from './runs.ts';

export interface FiguresOptions {
  profile: string;
  only?: string[];
  force?: boolean;
  cacheDir: string;
  repoRoot: string;
  command: string[];
  /** settings changed from the profile (--set), already checked against it */
  overrides?: Overrides;
  /** parallel worker processes for training jobs (1: run them in this process) */
  jobs?: number;
  /** run training jobs as Slurm job arrays instead (--executor slurm) */
  slurm?: SlurmSettings;
  reporter?: Reporter;
  /** the files' SHA-256 of an unofficial CIFAR-10 copy accepted with --allow-unofficial-data */
  unofficialData?: Record<string, string>;
}

export interface FiguresResult {
  manifest: RunManifest;
  manifestPath: string;
  cache: Cache;
}

/**
 * Plans with the engine predicted without loading it (fast); when a tensor step is going to be
 * computed, loads the engine for real and, if it differs from the prediction (a native backend
 * that is installed but fails to load), plans again with the real one.
 */
async function planWithEngine(
  profile: Profile,
  options: FiguresOptions,
  cache: Cache,
): Promise<{ plan: Plan; engineInfo: EngineInfo | null }> {
  const plan = await planRun(profile, { repoRoot: options.repoRoot, engine: predictFingerprint(), only: options.only });
  let needsEngine = false;
  for (const step of plan.steps) {
    if (step.selected && step.decl.usesEngine && (options.force || !(await cache.has(step.key)))) needsEngine = true;
  }
  if (!needsEngine) return { plan, engineInfo: null };
  const { initEngine } = await import('./engine/backend.ts');
  const engineInfo = await initEngine();
  const actual = fingerprintOf(engineInfo);
  if (sameFingerprint(actual, plan.engine)) return { plan, engineInfo };
  return { plan: await planRun(profile, { repoRoot: options.repoRoot, engine: actual, only: options.only }), engineInfo };
}

/**
 * Training workers: one per core on a CPU engine; one per GPU on a GPU engine (more processes
 * would only contend for the GPU and its memory). Webgpu on a software adapter counts as GPU too:
 * lavapipe spreads its work over the cores by itself.
 */
export function defaultJobs(engine?: EngineFingerprint): number {
  if (engine && (engine.backend === 'webgpu' || isGpuEngine(engine))) return gpuCount();
  return availableParallelism();
}

/** The executor of training jobs, and what the run manifest records about it once they ran. */
function jobRunner(options: FiguresOptions, plan: Plan, cache: Cache, reporter: Reporter): { jobs: JobRunner; executor: () => ExecutorRecord } {
  if (options.slurm) {
    const settings = options.slurm;
    const slurm = new SlurmRunner({ ...settings, dir: join(cache.root, 'slurm'), lockDir: join(cache.root, 'locks'), log: (step, message) => reporter.log(step, message) });
    return { jobs: slurm, executor: () => ({ kind: 'slurm', settings, arrays: slurm.records() }) };
  }
  const workers = options.jobs ?? defaultJobs(plan.engine);
  return { jobs: workers > 1 ? new WorkerPool(workers) : new InlineRunner(), executor: () => ({ kind: 'local', workers }) };
}

/** The profile as a run uses it: the named one with the overrides in place, before any planning. */
export function runProfile(name: string, overrides: Overrides = {}): Profile {
  return applyOverrides(getProfile(name), overrides);
}

export async function runFigures(options: FiguresOptions): Promise<FiguresResult> {
  const startedAt = new Date();
  const profile = runProfile(options.profile, options.overrides);
  if (options.unofficialData && profile.data.kind === 'cifar') profile.data = { ...profile.data, unofficial: options.unofficialData };
  const cache = new Cache(options.cacheDir);
  await cache.sweepTemp();
  const reporter = options.reporter ?? createReporter();
  const { plan, engineInfo } = await planWithEngine(profile, options, cache);

  const manifest: RunManifest = {
    id: newRunId(profile.name, startedAt),
    status: 'ok',
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    seconds: 0,
    command: options.command,
    profile,
    overrides: options.overrides ?? {},
    git: gitState(options.repoRoot),
    environment: environment(),
    engine: null,
    dataset: null,
    seeds: { root: profile.seed },
    steps: [],
    figures: [],
  };

  const { jobs, executor } = jobRunner(options, plan, cache, reporter);
  let outcomes: StepOutcome[];
  try {
    outcomes = await executePlan(plan, { cache, reporter, repoRoot: options.repoRoot, force: options.force ?? false, jobs });
  } finally {
    await jobs.close();
  }
  manifest.executor = executor();
  const failures = outcomes.filter((o) => o.status === 'failed');

  const finishedAt = new Date();
  manifest.finishedAt = finishedAt.toISOString();
  manifest.seconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  manifest.steps = outcomes;
  manifest.engine = engineInfo
    ? { ...fingerprintOf(engineInfo), initialised: true, notes: engineInfo.notes, ...(engineInfo.driver ? { driver: engineInfo.driver } : {}) }
    : { ...plan.engine, initialised: false };
  manifest.dataset = await datasetRecord(cache, plan, outcomes);
  manifest.figures = await figureRecords(cache, plan, outcomes);
  manifest.claims = await collectClaims(cache, plan, outcomes);
  if (failures.length > 0) {
    manifest.status = 'failed';
    manifest.error = failures.map((f) => `${f.name}: ${f.note}`).join('; ');
  }
  const manifestPath = await writeRunManifest(cache, manifest, { fresh: true });
  return { manifest, manifestPath, cache };
}

async function datasetRecord(cache: Cache, plan: Plan, outcomes: StepOutcome[]): Promise<RunManifest['dataset']> {
  const data = plan.steps.find((s) => s.decl.name === 'data');
  const outcome = outcomes.find((o) => o.name === 'data');
  if (!data || !outcome || !['reused', 'computed', 'available'].includes(outcome.status)) return null;
  try {
    const info = JSON.parse(await readFile(join(cache.objectDir(data.key), 'dataset.json'), 'utf8')) as unknown;
    return { key: data.key, info };
  } catch {
    return null;
  }
}

export interface ExplainLine {
  step: string;
  status: 'hit' | 'miss' | 'corrupt';
  key: string;
  reasons: string[];
}

/** For each step behind a figure: would it be reused, and if not, what changed since its last build. */
export async function explainFigure(options: Omit<FiguresOptions, 'command' | 'only' | 'force'> & { figure: string }): Promise<ExplainLine[]> {
  const entry = catalogEntry(options.figure);
  if (!entry.build) throw new Error(`${entry.id} (${entry.title}) has no figure module yet`);
  const profile = runProfile(options.profile, options.overrides);
  const cache = new Cache(options.cacheDir);
  const plan = await planRun(profile, { repoRoot: options.repoRoot, engine: predictFingerprint(), only: [entry.id] });
  const lines: ExplainLine[] = [];
  for (const step of stepsOfFigure(plan, entry.id)) {
    const check = await cache.verify(step.key);
    if (check.status === 'ok') {
      lines.push({ step: step.decl.name, status: 'hit', key: step.key, reasons: [] });
      continue;
    }
    if (check.status === 'corrupt') {
      lines.push({ step: step.decl.name, status: 'corrupt', key: step.key, reasons: [check.reason] });
      continue;
    }
    const last = await cache.lastComponents(profile.name, step.decl.name);
    const reasons = last ? describeChanges(last, step.components) : [`never built with profile ${profile.name}`];
    lines.push({ step: step.decl.name, status: 'miss', key: step.key, reasons: reasons.length ? reasons : ['same components as the last build, but its object is gone'] });
  }
  return lines;
}
