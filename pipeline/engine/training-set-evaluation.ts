// Evaluation of a model the way full-batch gradient descent sees it: batch norm with the statistics
// of the WHOLE training set, the very statistics every full-batch step normalizes with, instead of
// those of the calibration images (evaluate.ts). The training loss is then exactly the objective
// full-batch GD descends; the other splits are normalized with the same statistics.
//
// When the training set fits in one pass (full-batch.ts), one training-mode forward pass gives it
// all: its logits are the training set's evaluation, its batch statistics normalize the other
// splits. The gradient step from the same weights goes through that same forward pass, so with
// `gradient` the pass is the gradient's own and the step that follows needs no pass of its own.
// Both ways run the same operations on the same tensors, hence give the same numbers.
// Otherwise the full-set statistics come from the exact chunked computation (fullSetStats), and
// every split is evaluated chunk by chunk under them.
import * as tf from '@tensorflow/tfjs';
import { CLASSES } from './net.ts';
import { disposeStats, evaluate, tally, type Evaluation } from './evaluate.ts';
import { chunkedGradient, fitsOnePass, fullSetStats, onePassGradient, type FullBatchGradient } from './full-batch.ts';
import type { PassSeen } from './gradients.ts';
import { crossEntropy, gatherImages, gatherLabels, range, type BnStats, type Net, type Split } from './model.ts';

export interface TrainingSetPass {
  /** `train`, and every other split asked for, under the training set's batch statistics */
  evaluations: Record<string, Evaluation>;
  /** with `gradient`: the full-batch gradient at these weights (bgdEpoch takes it over) */
  gradient: FullBatchGradient | null;
}

export interface TrainingSetSettings {
  /** images per chunk when the training set does not fit in one pass */
  chunkSize: number;
  /** images per chunk when evaluating the other splits */
  evalBatch: number;
}

export async function trainingSetPass(
  net: Net,
  train: Split,
  others: Record<string, Split>,
  settings: TrainingSetSettings,
  gradient: boolean,
): Promise<TrainingSetPass> {
  if (!fitsOnePass(net.width, train.count)) return chunkedPass(net, train, others, settings, gradient);
  const taken = gradient ? await onePassGradient(net, train, true) : null;
  const seen = taken ? taken.seen! : forwardPass(net, train);
  try {
    const evaluations: Record<string, Evaluation> = { train: await fromLogits(seen.logits, train) };
    for (const [name, split] of Object.entries(others)) evaluations[name] = await evaluate(net, seen.stats, split, settings.evalBatch);
    if (taken) delete taken.seen;
    return { evaluations, gradient: taken };
  } catch (error) {
    if (taken) tf.dispose(taken.grads);
    throw error;
  } finally {
    seen.logits.dispose();
    disposeStats(seen.stats);
  }
}

/** The training-mode forward pass alone: what onePassGradient's pass sees, with no gradient. */
function forwardPass(net: Net, train: Split): PassSeen {
  let stats: BnStats = [];
  const logits = tf.tidy(() => {
    const pass = net.logitsAndStats(gatherImages(train, range(0, train.count)));
    stats = pass.stats;
    return pass.logits;
  });
  return { logits, stats };
}

/** Error, loss, confusion and predictions of the whole split from its logits (one batch). */
async function fromLogits(logits: tf.Tensor2D, split: Split): Promise<Evaluation> {
  // the same loss op as the gradient's value, on the same logits
  const [lossTensor, predictedTensor] = tf.tidy(() => [crossEntropy(logits, gatherLabels(split, range(0, split.count))), tf.argMax(logits, 1)]);
  const [loss, predicted] = await Promise.all([lossTensor!.data(), predictedTensor!.data()]);
  tf.dispose([lossTensor!, predictedTensor!]);
  const confusion = new Array<number>(CLASSES * CLASSES).fill(0);
  const predictedAll = new Uint8Array(split.count);
  const wrong = tally(split, 0, predicted as Int32Array, confusion, predictedAll);
  return { error: wrong / split.count, loss: loss[0]!, confusion, predicted: predictedAll };
}

/** The same when the set is too large for one pass: exact full-set statistics, then chunks (exported for its test). */
export async function chunkedPass(net: Net, train: Split, others: Record<string, Split>, settings: TrainingSetSettings, gradient: boolean): Promise<TrainingSetPass> {
  const chunks: Int32Array[] = [];
  for (let start = 0; start < train.count; start += settings.chunkSize) chunks.push(range(start, Math.min(start + settings.chunkSize, train.count)));
  const stats = await fullSetStats(net, train, chunks);
  try {
    const evaluations: Record<string, Evaluation> = { train: await evaluate(net, stats, train, settings.chunkSize) };
    for (const [name, split] of Object.entries(others)) evaluations[name] = await evaluate(net, stats, split, settings.evalBatch);
    return { evaluations, gradient: gradient ? await chunkedGradient(net, train, settings.chunkSize) : null };
  } finally {
    disposeStats(stats);
  }
}
