// Evaluates models that are built from saved ones (averages, interpolations) as a worker job: one
// network per job, its weights replaced model after model. Batch norm uses the statistics of the
// calibration images of the training set, recomputed for every model (engine/evaluate.ts), or,
// when asked, those of the whole training set (engine/training-set-evaluation.ts).
import { loadDatasetCached } from '../../data/cached.ts';
import { fingerprintOf, initEngine } from '../../engine/backend.ts';
import type { Activation } from '../../engine/activation.ts';
import type { EngineFingerprint } from '../../engine/fingerprint.ts';
import { evaluateModel } from '../../engine/evaluate.ts';
import { keepOnBackend, Net, releaseSplit } from '../../engine/model.ts';
import { trainingSetPass } from '../../engine/training-set-evaluation.ts';
import type { NetSettings } from '../../profiles/net.ts';
import type { JobReport } from '../../workers/pool.ts';
import { mixModels, type ModelMix } from './models.ts';
import { encodePredictions, type Predictions } from './predictions.ts';

export interface ModelToEvaluate {
  name: string;
  mix: ModelMix;
  /** keep the confusion matrices (train and test) */
  confusion?: boolean;
  /** keep the predicted class of every train and test image */
  predictions?: boolean;
}

export interface ModelEvaluation {
  trainError: number;
  trainLoss: number;
  testError: number;
  testLoss: number;
  confusion?: { train: number[]; test: number[] };
  predictions?: Predictions;
}

export interface EvaluateJobInput {
  dataDir: string;
  net: NetSettings;
  /** the nonlinearity of the models (default ReLU) */
  activation?: Activation;
  /** evaluate under the whole training set's batch statistics (chunks of chunkSize where needed) */
  trainingSet?: { chunkSize: number };
  models: ModelToEvaluate[];
}

export interface EvaluateJobOutput {
  engine: EngineFingerprint;
  evaluations: Record<string, ModelEvaluation>;
}

export async function evaluateModels(input: EvaluateJobInput, report: JobReport): Promise<EvaluateJobOutput> {
  const engine = await initEngine();
  const data = await loadDatasetCached(input.dataDir);
  // every model reads both splits whole: they stay on the backend for the job (freed below)
  const train = keepOnBackend(data.train);
  const test = keepOnBackend(data.test);
  const evaluations: Record<string, ModelEvaluation> = {};
  let net: Net | null = null;
  try {
    for (const [i, model] of input.models.entries()) {
      const weights = await mixModels(model.mix);
      if (net) net.setWeights(weights);
      else net = new Net(input.net.width, weights, input.net.bnEpsilon, input.activation);
      const e = input.trainingSet
        ? (await trainingSetPass(net, train, { test }, { chunkSize: input.trainingSet.chunkSize, evalBatch: input.net.evalBatch }, false)).evaluations
        : await evaluateModel(net, train, { train, test }, input.net);
      evaluations[model.name] = {
        trainError: e['train']!.error,
        trainLoss: e['train']!.loss,
        testError: e['test']!.error,
        testLoss: e['test']!.loss,
        ...(model.confusion ? { confusion: { train: e['train']!.confusion, test: e['test']!.confusion } } : {}),
        ...(model.predictions ? { predictions: { train: encodePredictions(e['train']!.predicted), test: encodePredictions(e['test']!.predicted) } } : {}),
      };
      report(i + 1, input.models.length, model.name);
    }
  } finally {
    net?.dispose();
    releaseSplit(train);
    releaseSplit(test);
  }
  return { engine: fingerprintOf(engine), evaluations };
}
