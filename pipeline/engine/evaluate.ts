// Evaluation of a model: error, loss, confusion matrix and the predicted classes on a split.
//
// Batch norm needs statistics at test time. We take them, for every evaluated model, from the
// same fixed calibration set (the first N training images): trained, perturbed, averaged and
// interpolated models are then all evaluated the same way, with no running averages that an
// averaged model would not have.
//
// Values are read with `await data()` (the webgpu backend has no synchronous read in Node).
import * as tf from '@tensorflow/tfjs';
import { CLASSES } from './net.ts';
import { crossEntropy, gatherImages, gatherLabels, range, type BnStats, type Net, type Split } from './model.ts';

export interface Evaluation {
  error: number;
  loss: number;
  /** row = true class, column = predicted class, row-major CLASSES x CLASSES counts */
  confusion: number[];
  /** the predicted class of every image of the split, in order */
  predicted: Uint8Array;
}

/**
 * Batch-norm statistics of each hidden layer over the first `count` training images. With `keep`,
 * the last hidden activations of those images (chunk by chunk, under the statistics just found) are
 * returned too: exactly what evaluating those images would compute again (`evaluate`'s `reuse`).
 */
export function calibrate(net: Net, train: Split, count: number, chunkSize: number): BnStats;
export function calibrate(net: Net, train: Split, count: number, chunkSize: number, keep: true): Calibration;
export function calibrate(net: Net, train: Split, count: number, chunkSize: number, keep = false): BnStats | Calibration {
  const n = Math.min(count, train.count);
  const stats: BnStats = [];
  // activations of the current layer for every calibration image, chunk by chunk
  let inputs: tf.Tensor4D[] = [];
  for (let start = 0; start < n; start += chunkSize) inputs.push(gatherImages(train, range(start, Math.min(start + chunkSize, n))));
  const hidden = net.shapes.length - 1;
  for (let l = 0; l < hidden; l++) {
    const z = inputs.map((h) => net.conv(h, l));
    for (const h of inputs) h.dispose();
    // two passes (mean, then squared deviations) for accuracy
    const mean = tf.tidy(() => tf.div(tf.addN(z.map((t) => tf.sum(t, [0, 1, 2]))), sizeOf(z)) as tf.Tensor1D);
    const variance = tf.tidy(
      () => tf.div(tf.addN(z.map((t) => tf.sum(tf.square(tf.sub(t, mean)), [0, 1, 2]))), sizeOf(z)) as tf.Tensor1D,
    );
    stats.push({ mean, variance });
    inputs = z.map((t) => net.hidden(t, l, { mean, variance }));
    for (const t of z) t.dispose();
  }
  if (keep) return { stats, images: train.images, chunkSize, lastHidden: inputs };
  for (const h of inputs) h.dispose();
  return stats;
}

/** Statistics with the last hidden activations of the calibration images, chunk by chunk. */
export interface Calibration {
  stats: BnStats;
  /** the images they were computed on (a split with these very images can reuse them) */
  images: Float32Array;
  chunkSize: number;
  lastHidden: tf.Tensor4D[];
}

function sizeOf(chunks: tf.Tensor4D[]): number {
  return chunks.reduce((n, t) => n + t.shape[0] * t.shape[1] * t.shape[2], 0);
}

export function disposeStats(stats: BnStats): void {
  for (const { mean, variance } of stats) {
    mean.dispose();
    variance.dispose();
  }
}

/**
 * Error, loss, confusion and predictions on a split, chunk by chunk. A chunk that a calibration of
 * the same images computed already (same images, same bounds) starts from its kept activations:
 * the same operations on the same tensors, so the same numbers, without the hidden layers again.
 */
export async function evaluate(net: Net, stats: BnStats, split: Split, chunkSize: number, reuse?: Calibration): Promise<Evaluation> {
  const kept = (start: number, end: number): tf.Tensor4D | undefined =>
    reuse && reuse.images === split.images && reuse.chunkSize === chunkSize && start % chunkSize === 0 && reuse.lastHidden[start / chunkSize]?.shape[0] === end - start
      ? reuse.lastHidden[start / chunkSize]
      : undefined;
  const confusion = new Array<number>(CLASSES * CLASSES).fill(0);
  const predictedAll = new Uint8Array(split.count);
  let lossSum = 0;
  let wrong = 0;
  for (let start = 0; start < split.count; start += chunkSize) {
    const indices = range(start, Math.min(start + chunkSize, split.count));
    const [lossTensor, predictedTensor] = tf.tidy(() => {
      const h = kept(start, start + indices.length);
      const logits = h ? net.forward(h, (z) => z, net.shapes.length - 1) : net.logits(gatherImages(split, indices), stats);
      return [crossEntropy(logits, gatherLabels(split, indices)), tf.argMax(logits, 1)];
    });
    const [lossValue, predictedValues] = await Promise.all([lossTensor.data(), predictedTensor.data()]);
    tf.dispose([lossTensor, predictedTensor]);
    lossSum += lossValue[0]! * indices.length;
    wrong += tally(split, start, predictedValues as Int32Array, confusion, predictedAll);
  }
  return { error: wrong / split.count, loss: lossSum / split.count, confusion, predicted: predictedAll };
}

/**
 * Adds the predicted classes of the split's images from `start` on to the confusion matrix and
 * to `predictedAll`; returns how many of them are wrong.
 */
export function tally(split: Split, start: number, predicted: Int32Array, confusion: number[], predictedAll: Uint8Array): number {
  let wrong = 0;
  for (let i = 0; i < predicted.length; i++) {
    const truth = split.labels[start + i]!;
    confusion[truth * CLASSES + predicted[i]!]! += 1;
    predictedAll[start + i] = predicted[i]!;
    if (predicted[i] !== truth) wrong++;
  }
  return wrong;
}

/** Calibrates and evaluates on each split in one go (statistics freed afterwards). */
export async function evaluateModel(
  net: Net,
  train: Split,
  splits: Record<string, Split>,
  settings: { bnCalibration: number; evalBatch: number },
): Promise<Record<string, Evaluation>> {
  const calibration = calibrate(net, train, settings.bnCalibration, settings.evalBatch, true);
  try {
    const out: Record<string, Evaluation> = {};
    for (const [name, split] of Object.entries(splits)) out[name] = await evaluate(net, calibration.stats, split, settings.evalBatch, calibration);
    return out;
  } finally {
    disposeStats(calibration.stats);
    for (const h of calibration.lastHidden) h.dispose();
  }
}
