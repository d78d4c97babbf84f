// Runs a plan: for each step, in dependency order, the rerun rule is
//   1. not needed for the figures asked for        -> only looked up (reported as available or not)
//   2. an object that verifies, and no --force     -> reuse
//   3. otherwise take the key's lock, waiting while another process computes the same key, and
//      look again: an object that verifies now     -> reuse (the other process made it)
//   4. --force                                      -> recompute (the old object stays until the
//                                                      new one is complete, and when it has the same files)
//   5. an object that fails verification            -> report it in one line, evict it, compute
//   6. no object under its key                      -> compute
// A computed step writes into a temporary folder that is renamed into the cache only when the
// step succeeded, so a failure or a kill never leaves a half artifact that looks whole; the lock
// is released once the object is in place (a killed holder's lock is taken over: lock.ts).
import { rm } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Cache } from './cache.ts';
import type { PlannedStep, Plan } from './plan.ts';
import type { Reporter } from './progress.ts';
import type { ArtifactRef, StepContext, StepModule } from './step.ts';
import { isDiskFull } from './preflight.ts';
import { trace } from './trace.ts';
import type { Job, JobReport, JobRunner } from './workers/pool.ts';

export type StepStatus = 'reused' | 'computed' | 'available' | 'unavailable' | 'failed' | 'blocked';

export interface StepOutcome {
  name: string;
  kind: string;
  key: string;
  status: StepStatus;
  seconds: number;
  figure?: string;
  /** why the step was recomputed (a verification failure), failed, or was blocked */
  note?: string;
}

export interface RunOptions {
  cache: Cache;
  reporter: Reporter;
  repoRoot: string;
  force: boolean;
  jobs: JobRunner;
}

/**
 * Runs every step of the plan. A failed step does not stop the others: the steps that need it are
 * reported as blocked, everything else still runs, and the caller reports the failure.
 */
export async function executePlan(plan: Plan, options: RunOptions): Promise<StepOutcome[]> {
  const { cache, reporter } = options;
  const outcomes: StepOutcome[] = [];
  const done = new Map<string, ArtifactRef>();
  const unusable = new Set<string>();

  for (const step of plan.steps) {
    const base = { name: step.decl.name, kind: step.decl.kind, key: step.key, figure: step.decl.figure };
    const missingInput = step.decl.inputs.find((i) => unusable.has(i));
    if (step.selected && missingInput) {
      outcomes.push({ ...base, status: 'blocked', seconds: 0, note: `needs ${missingInput}, which failed` });
      unusable.add(step.decl.name);
      continue;
    }
    const check = await cache.verify(step.key);
    if (!step.selected) {
      outcomes.push({ ...base, status: check.status === 'ok' ? 'available' : 'unavailable', seconds: 0 });
      if (check.status === 'ok') done.set(step.decl.name, ref(cache, step));
      else unusable.add(step.decl.name);
      continue;
    }
    const reuse = (): void => {
      outcomes.push({ ...base, status: 'reused', seconds: 0 });
      done.set(step.decl.name, ref(cache, step));
    };
    if (check.status === 'ok' && !options.force) {
      // checkpoints of a run killed after the commit but before their removal
      await cache.dropScratch(step.key);
      reuse();
      continue;
    }
    const lock = await cache.lock(step.key, (holder) => reporter.log(step.decl.name, `waiting for ${holder}, which is computing it`));
    try {
      const now = await cache.verify(step.key);
      if (now.status === 'ok' && !options.force) {
        reuse();
        continue;
      }
      let note: string | undefined;
      if (now.status === 'corrupt') {
        note = `cached object ${step.key.slice(0, 12)} was corrupt (${now.reason}); recomputed`;
        reporter.log(step.decl.name, note);
        await cache.evict(step.key);
      }
      if (options.force) await rm(cache.scratchDir(step.key), { recursive: true, force: true });
      try {
        // a forced step replaces its old object only once the new one is complete
        const seconds = await computeStep(step, plan, done, options, now.status === 'ok');
        outcomes.push({ ...base, status: 'computed', seconds, ...(note ? { note } : {}) });
        done.set(step.decl.name, ref(cache, step));
      } catch (error) {
        // a full disk fails every step after it: stop here (the cache keeps every whole object)
        if (isDiskFull(error)) throw error;
        const message = (error as Error)?.message ?? String(error);
        reporter.log(step.decl.name, `failed: ${message}`);
        outcomes.push({ ...base, status: 'failed', seconds: 0, note: message });
        unusable.add(step.decl.name);
      }
    } finally {
      await lock.release();
    }
  }
  return outcomes;
}

function ref(cache: Cache, step: PlannedStep): ArtifactRef {
  return { step: step.decl.name, key: step.key, dir: cache.objectDir(step.key) };
}

/**
 * The job runner a step sees: it runs only the job modules the step declared, since only those
 * are hashed into its key (an undeclared module could change without the step being rerun).
 */
function declaredJobsOnly(jobs: JobRunner, step: PlannedStep): JobRunner {
  const declared = new Set(step.decl.jobs ?? []);
  return {
    size: jobs.size,
    run<I, O>(job: Job<I>, report?: JobReport): Promise<O> {
      if (!declared.has(job.module)) {
        return Promise.reject(new Error(`${step.decl.name} runs ${job.module} in a worker but does not declare it in its jobs (it would be missing from the step's key)`));
      }
      return jobs.run<I, O>({ ...job, step: step.decl.name }, report);
    },
    ...(jobs.status ? { status: () => jobs.status!() } : {}),
    close: () => jobs.close(),
  };
}

async function computeStep(
  step: PlannedStep,
  plan: Plan,
  done: Map<string, ArtifactRef>,
  options: RunOptions,
  replace: boolean,
): Promise<number> {
  const { cache, reporter } = options;
  const name = step.decl.name;
  const inputs: Record<string, ArtifactRef> = {};
  for (const input of step.decl.inputs) {
    const artifact = done.get(input);
    if (!artifact) throw new Error(`its input ${input} is not available`);
    inputs[input] = artifact;
  }
  const outDir = await cache.makeTemp(step.key);
  const scratchDir = cache.scratchDir(step.key);
  const ctx: StepContext = {
    profile: plan.profile,
    params: step.params,
    inputs,
    outDir,
    scratchDir,
    jobs: declaredJobsOnly(options.jobs, step),
    engine: step.decl.usesEngine ? plan.engine : null,
    progress: (d, t, detail) => reporter.progress(name, d, t, detail),
    log: (message) => reporter.log(name, message),
  };
  const started = performance.now();
  reporter.start(name);
  trace('step-start', name);
  try {
    const module = (await import(pathToFileURL(join(options.repoRoot, step.decl.entry)).href)) as StepModule;
    await module.run(ctx);
    const seconds = (performance.now() - started) / 1000;
    await cache.commit(outDir, step.components, seconds, { replace });
    await cache.recordComponents(plan.profile.name, step.components);
    await rm(scratchDir, { recursive: true, force: true });
    return seconds;
  } catch (error) {
    // the scratch folder stays: a rerun resumes from its checkpoints
    await rm(outDir, { recursive: true, force: true });
    throw error;
  } finally {
    trace('step-end', name);
    reporter.end(name);
  }
}
