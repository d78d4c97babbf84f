// Evaluates many derived models (averages, points on lines) in the worker pool: the list is cut
// into one batch per worker, with one progress display and the engine check.
import type { Activation } from '../../engine/activation.ts';
import type { NetSettings } from '../../profiles/net.ts';
import type { StepContext } from '../../step.ts';
import { checkEngine } from './trajectories.ts';
import { EVALUATE_JOB } from './experiment.ts';
import type { EvaluateJobInput, EvaluateJobOutput, ModelEvaluation, ModelToEvaluate } from './evaluate-job.ts';

/** How the models are evaluated, as the trajectories they come from were. */
export interface EvaluationOptions {
  /** the models' nonlinearity (default ReLU) */
  activation?: Activation;
  /** batch norm with the whole training set's statistics, in chunks of this many images where it does not fit in one pass (default: the calibration images') */
  trainingSet?: { chunkSize: number };
}

export async function runEvaluations(ctx: StepContext, net: NetSettings, models: ModelToEvaluate[], label: string, options: EvaluationOptions = {}): Promise<Map<string, ModelEvaluation>> {
  const names = new Set(models.map((m) => m.name));
  if (names.size !== models.length) throw new Error('two models to evaluate share a name');
  const batches = Math.min(ctx.jobs.size, models.length);
  const done = new Array<number>(batches).fill(0);
  const results = new Map<string, ModelEvaluation>();
  const jobs = Array.from({ length: batches }, (_, b) => {
    const input: EvaluateJobInput = { dataDir: ctx.inputs['data']!.dir, net, ...options, models: models.filter((_, i) => i % batches === b) };
    return ctx.jobs
      .run<EvaluateJobInput, EvaluateJobOutput>({ module: EVALUATE_JOB, fn: 'evaluateModels', input, label: `${label} ${b + 1}/${batches}` }, (n) => {
        done[b] = n;
        ctx.progress(done.reduce((x, y) => x + y, 0), models.length, label);
      })
      .then((out) => {
        checkEngine(ctx, `${label} ${b + 1}/${batches}`, out.engine);
        for (const [name, e] of Object.entries(out.evaluations)) results.set(name, e);
      });
  });
  const settled = await Promise.allSettled(jobs);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return new Map(models.map((m) => [m.name, results.get(m.name)!]));
}
