// One E3 trajectory as a job: start from P (or a perturbed copy of it), train epoch by epoch,
// evaluate and checkpoint after every epoch. Runs in a worker process; everything it needs is in
// its input, everything it produces goes to its checkpoint folder.
import { loadDatasetCached } from '../../data/cached.ts';
import { fingerprintOf, initEngine } from '../../engine/backend.ts';
import type { EngineFingerprint } from '../../engine/fingerprint.ts';
import { evaluateModel } from '../../engine/evaluate.ts';
import { Net } from '../../engine/model.ts';
import { initWeights, type Weights } from '../../engine/net.ts';
import { Rng } from '../../engine/random.ts';
import { sgdEpoch } from '../../engine/train.ts';
import { perturb } from '../../engine/weights.ts';
import type { NetSettings } from '../../profiles/net.ts';
import type { SgdStagesSettings } from '../../profiles/sgd-stages.ts';
import type { JobReport } from '../../workers/pool.ts';
import { TrajectoryStore } from '../trajectory-store.ts';

export const STREAM = 'sgd-stages';

export interface TrajectoryInput {
  dataDir: string;
  scratchDir: string;
  seed: number;
  net: NetSettings;
  sgd: SgdStagesSettings;
  stage: number;
  trajectory: number;
  /** where P comes from: the random initial model, or the last epoch of a stored trajectory */
  from: { kind: 'init' } | { kind: 'trajectory'; name: string };
}

export interface TrajectoryOutput {
  engine: EngineFingerprint;
  /** epochs found complete in the checkpoint folder when the job started */
  resumedAfter: number;
}

/** One saved model: the end of an epoch (epoch 0 = the trajectory's starting point). */
export interface SnapshotRecord {
  stage: number;
  trajectory: number;
  epoch: number;
  trainError: number;
  trainLoss: number;
  testError: number;
  testLoss: number;
  /** mean loss and error over the epoch's mini-batches, while training (null at epoch 0) */
  runningLoss: number | null;
  runningError: number | null;
}

export function trajectoryName(stage: number, trajectory: number): string {
  return `stage-${stage}-trajectory-${trajectory}`;
}

export function initialModel(seed: number, width: number): Weights {
  return initWeights(width, new Rng(seed, STREAM, 'init'));
}

export async function runTrajectory(input: TrajectoryInput, report: JobReport): Promise<TrajectoryOutput> {
  const { seed, net: netSettings, sgd, stage, trajectory } = input;
  const engine = await initEngine();
  const data = await loadDatasetCached(input.dataDir);
  const store = new TrajectoryStore<SnapshotRecord>(input.scratchDir, trajectoryName(stage, trajectory), netSettings.width);
  const done = await store.completed(sgd.epochsPerStage + 1);

  let weights: Weights;
  if (done === 0) {
    const p =
      input.from.kind === 'init'
        ? initialModel(seed, netSettings.width)
        : await new TrajectoryStore(input.scratchDir, input.from.name, netSettings.width).weights(sgd.epochsPerStage);
    weights = trajectory < sgd.firstPerturbed ? p : perturb(p, sgd.perturbScale, new Rng(seed, STREAM, stage, trajectory, 'perturb'));
  } else {
    weights = await store.weights(done - 1);
  }
  const net = new Net(netSettings.width, weights, netSettings.bnEpsilon);
  const splits = { train: data.train, test: data.test };
  const record = async (epoch: number, running: { loss: number; error: number } | null): Promise<SnapshotRecord> => {
    const e = await evaluateModel(net, data.train, splits, netSettings);
    return {
      stage,
      trajectory,
      epoch,
      trainError: e['train']!.error,
      trainLoss: e['train']!.loss,
      testError: e['test']!.error,
      testLoss: e['test']!.loss,
      runningLoss: running?.loss ?? null,
      runningError: running?.error ?? null,
    };
  };
  try {
    if (done === 0) await store.save(0, weights, await record(0, null));
    for (let epoch = Math.max(1, done); epoch <= sgd.epochsPerStage; epoch++) {
      const order = new Rng(seed, STREAM, stage, trajectory, epoch, 'order').permutation(data.train.count);
      const running = await sgdEpoch(net, data.train, sgd.learningRate, sgd.batchSize, order);
      await store.save(epoch, await net.getWeights(), await record(epoch, running));
      report(epoch, sgd.epochsPerStage, `epoch ${epoch}/${sgd.epochsPerStage}`);
    }
  } finally {
    net.dispose();
  }
  return { engine: fingerprintOf(engine), resumedAfter: Math.max(0, done - 1) };
}
