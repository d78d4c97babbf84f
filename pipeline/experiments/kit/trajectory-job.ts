// One trajectory as a worker job: build its start (a random model, or another trajectory's
// checkpoint, kicked by k x S noise when asked), train epoch by epoch with SGD or full-batch GD,
// evaluate and checkpoint after every epoch, and stop early once the training error reaches the
// spec's `until`. Everything it needs is in its input; everything it produces goes to its
// checkpoint folder, so the job resumes wherever it was stopped. Under training-set statistics,
// full-batch GD evaluates a model and takes the gradient from it in one pass; a resumed job takes
// that gradient again from the saved weights, which gives the same numbers.
import * as tf from '@tensorflow/tfjs';
import { loadDatasetCached } from '../../data/cached.ts';
import { fingerprintOf, initEngine } from '../../engine/backend.ts';
import type { EngineFingerprint } from '../../engine/fingerprint.ts';
import { evaluateModel, type Evaluation } from '../../engine/evaluate.ts';
import type { FullBatchGradient } from '../../engine/full-batch.ts';
import { keepOnBackend, Net, releaseSplit, type PreActivationStats, type Split } from '../../engine/model.ts';
import { initWeights, type Weights } from '../../engine/net.ts';
import { Rng } from '../../engine/random.ts';
import { bgdEpoch, sgdEpoch, type EpochStats } from '../../engine/train.ts';
import { trainingSetPass } from '../../engine/training-set-evaluation.ts';
import { perturb } from '../../engine/weights.ts';
import type { JobReport } from '../../workers/pool.ts';
import { encodePredictions } from './predictions.ts';
import type { Divergence, EpochRecord, TrajectorySpec } from './trajectory.ts';
import { DamagedCheckpoint, TrajectoryStore } from './trajectory-store.ts';

export interface TrajectoryJobInput {
  dataDir: string;
  scratchDir: string;
  /** the root seed every stream of the spec is drawn under */
  seed: number;
  spec: TrajectorySpec;
}

export interface TrajectoryJobOutput {
  engine: EngineFingerprint;
  /** epochs found complete in the checkpoint folder when the job started */
  resumedAfter: number;
  diverged: Divergence | null;
  /** damaged checkpoints found when the job started (one line each), removed and trained again */
  damaged: string[];
  /** the epoch at which the training error reached `until` (the trajectory ends there), else null */
  stoppedAt: number | null;
}

/** When the trajectory a spec starts from diverged before the epoch it starts at: that divergence. */
async function startDivergence(input: TrajectoryJobInput): Promise<Divergence | null> {
  const { spec } = input;
  if (spec.start.kind !== 'trajectory') return null;
  const from = new TrajectoryStore(input.scratchDir, spec.start.name, spec.net.width);
  const diverged = await from.diverged();
  return diverged && diverged.epoch <= spec.start.epoch ? diverged : null;
}

/** The training split the trajectory sees: its labels permuted when the spec asks for it. */
export function trainingSplit(train: Split, seed: number, spec: TrajectorySpec): Split {
  if (!spec.labels) return train;
  const order = new Rng(seed, ...spec.labels.shuffle).permutation(train.count);
  const labels = new Int32Array(train.count);
  for (let i = 0; i < train.count; i++) labels[i] = train.labels[order[i]!]!;
  return { ...train, labels };
}

export async function startWeights(input: TrajectoryJobInput): Promise<Weights> {
  const { seed, spec } = input;
  let start: Weights;
  if (spec.start.kind === 'init') {
    start = initWeights(spec.net.width, new Rng(seed, ...spec.start.stream));
  } else {
    const from = new TrajectoryStore(input.scratchDir, spec.start.name, spec.net.width);
    if (!(await from.record(spec.start.epoch))) {
      const why = (await from.diverged()) ? 'it diverged before that epoch' : 'it has no checkpoint of that epoch';
      throw new Error(`${spec.name} starts from ${spec.start.name} at epoch ${spec.start.epoch}, but ${why}`);
    }
    start = await from.weights(spec.start.epoch);
  }
  return spec.perturb ? perturb(start, spec.perturb.scale, new Rng(seed, ...spec.perturb.stream)) : start;
}

export async function runTrajectory(input: TrajectoryJobInput, report: JobReport): Promise<TrajectoryJobOutput> {
  const { spec } = input;
  const engine = await initEngine();
  const store = new TrajectoryStore<EpochRecord>(input.scratchDir, spec.name, spec.net.width);
  const damaged: string[] = [];
  const { completed: done, damaged: found } = await store.resume(spec.epochs + 1);
  if (found) damaged.push(found);
  const finished = (diverged: Divergence | null, stoppedAt: number | null = null): TrajectoryJobOutput => ({
    engine: fingerprintOf(engine),
    resumedAfter: Math.max(0, done - 1),
    diverged,
    damaged,
    stoppedAt,
  });
  const known = await store.diverged().catch((error: unknown) => {
    if (!(error instanceof DamagedCheckpoint)) throw error;
    damaged.push(error.message);
    return null;
  });
  if (known) return finished(known);
  if (done === spec.epochs + 1) return finished(null);
  const reached = (trainError: number): boolean => spec.until !== undefined && trainError <= spec.until.trainError;
  const lastDone = done > 0 ? await store.record(done - 1) : null;
  if (lastDone && reached(lastDone.trainError)) return finished(null, done - 1);
  // a model that diverged is no start: this trajectory is not trained, and says why
  const start = done === 0 ? await startDivergence(input) : null;
  if (start && spec.start.kind === 'trajectory') {
    const divergence: Divergence = { epoch: 0, loss: start.loss, startDiverged: spec.start.name };
    await store.markDiverged(divergence);
    return finished(divergence);
  }

  const data = await loadDatasetCached(input.dataDir);
  const net = new Net(spec.net.width, done === 0 ? await startWeights(input) : await store.weights(done - 1), spec.net.bnEpsilon, spec.activation);
  // every epoch reads both splits whole: they stay on the backend for the job (freed below)
  const train = keepOnBackend(trainingSplit(data.train, input.seed, spec));
  const test = keepOnBackend(data.test);
  const splits = { train, test };
  // the gradient that evaluating the present weights took on the way (training-set statistics and
  // full-batch GD), handed to the next step
  let pending: FullBatchGradient | null = null;
  const evaluateAt = async (epoch: number): Promise<Record<string, Evaluation>> => {
    if (spec.bnStatistics !== 'training-set') return evaluateModel(net, train, splits, spec.net);
    const gd = spec.optimizer.kind === 'gd' ? spec.optimizer : null;
    const settings = { chunkSize: gd?.chunkSize ?? spec.net.evalBatch, evalBatch: spec.net.evalBatch };
    const pass = await trainingSetPass(net, train, { test }, settings, gd !== null && epoch < spec.epochs);
    pending = pass.gradient;
    return pass.evaluations;
  };
  const record = async (epoch: number, running: EpochStats | null, preActivations: PreActivationStats | null): Promise<EpochRecord> => {
    const e = await evaluateAt(epoch);
    const last = epoch === spec.epochs || reached(e['train']!.error);
    const keepConfusion = spec.confusion === 'every' || (spec.confusion === 'last' && last);
    const keepPredictions = spec.predictions === 'last' && last;
    return {
      epoch,
      trainError: e['train']!.error,
      trainLoss: e['train']!.loss,
      testError: e['test']!.error,
      testLoss: e['test']!.loss,
      runningLoss: running?.loss ?? null,
      runningError: running?.error ?? null,
      ...(keepConfusion ? { confusion: { train: e['train']!.confusion, test: e['test']!.confusion } } : {}),
      ...(keepPredictions ? { predictions: { train: encodePredictions(e['train']!.predicted), test: encodePredictions(e['test']!.predicted) } } : {}),
      ...(preActivations ? { preActivations } : {}),
    };
  };
  try {
    if (done === 0) {
      const start = await record(0, null, null);
      await store.save(0, await net.getWeights(), start);
      if (reached(start.trainError)) return finished(null, 0);
    }
    for (let epoch = Math.max(1, done); epoch <= spec.epochs; epoch++) {
      const gradient = pending;
      pending = null;
      const running = await trainEpoch(net, train, input, epoch, gradient);
      const preActivations = await net.takePreActivations();
      if (!Number.isFinite(running.loss)) {
        // a diverged model has no meaningful weights: stop here and say where it happened
        const divergence = { epoch, loss: String(running.loss) };
        await store.markDiverged(divergence);
        return finished(divergence);
      }
      const saved = await record(epoch, running, preActivations);
      await store.save(epoch, await net.getWeights(), saved);
      report(epoch, spec.epochs, `epoch ${epoch}/${spec.epochs}`);
      if (reached(saved.trainError)) return finished(null, epoch);
    }
  } finally {
    if (pending) tf.dispose((pending as FullBatchGradient).grads);
    net.dispose();
    releaseSplit(train);
    releaseSplit(test);
  }
  return finished(null);
}

/** One epoch of the spec's optimizer; `gradient`: the full-batch one at the present weights, when known. */
function trainEpoch(net: Net, train: Split, input: TrajectoryJobInput, epoch: number, gradient: FullBatchGradient | null): Promise<EpochStats> {
  const { optimizer, stream } = input.spec;
  if (optimizer.kind === 'gd') return bgdEpoch(net, train, optimizer.learningRate, optimizer.chunkSize, gradient ?? undefined);
  const order = new Rng(input.seed, ...stream, epoch, 'order').permutation(train.count);
  return sgdEpoch(net, train, optimizer.learningRate, optimizer.batchSize, order);
}
