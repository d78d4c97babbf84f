// Plain gradient descent on the DCNN: no momentum, no weight decay, no augmentation.
// SGD walks the training set in mini-batches in a given order; BGD takes one step per epoch on
// the gradient of the whole training set, accumulated chunk by chunk (batch norm then uses each
// chunk's statistics, the only way a full-set gradient fits in memory).
// Values are read back with `await data()`, never dataSync(): the webgpu backend cannot read
// synchronously in Node (webgpu.ts). Reads happen once an epoch (SGD) or once a chunk (BGD).
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, gatherImages, gatherLabels, range, type Net, type Split } from './model.ts';

export interface EpochStats {
  /** mean training loss over the epoch's batches (of the weights at each step, before it) */
  loss: number;
  /** share of misclassified training images over the epoch's batches, likewise */
  error: number;
}

/** One epoch of SGD with the given visiting order (a permutation of the training set). */
export async function sgdEpoch(net: Net, split: Split, learningRate: number, batchSize: number, order: Int32Array): Promise<EpochStats> {
  if (order.length !== split.count) throw new Error(`order has ${order.length} entries for ${split.count} images`);
  const variables = net.variables;
  let lossSum = tf.scalar(0);
  let wrongSum = tf.scalar(0);
  for (let start = 0; start < order.length; start += batchSize) {
    const indices = order.subarray(start, Math.min(start + batchSize, order.length));
    let wrong: tf.Scalar | null = null;
    const [nextLoss, nextWrong] = tf.tidy(() => {
      const batch = batchGradients(net, split, indices);
      wrong = batch.wrong;
      for (const v of variables) v.assign(tf.sub(v, tf.mul(batch.grads[v.name]!, learningRate)));
      return [tf.add(lossSum, tf.mul(batch.value, indices.length)), tf.add(wrongSum, batch.wrong)];
    });
    (wrong as tf.Scalar | null)?.dispose();
    lossSum.dispose();
    wrongSum.dispose();
    lossSum = nextLoss as tf.Scalar;
    wrongSum = nextWrong as tf.Scalar;
  }
  const [loss, wrong] = await Promise.all([lossSum.data(), wrongSum.data()]);
  lossSum.dispose();
  wrongSum.dispose();
  return { loss: loss[0]! / split.count, error: wrong[0]! / split.count };
}

/** One step of batch gradient descent: the gradient of the mean loss over the whole training set. */
export async function bgdEpoch(net: Net, split: Split, learningRate: number, chunkSize: number): Promise<EpochStats> {
  const variables = net.variables;
  let accumulated: tf.Tensor[] | null = null;
  let lossSum = 0;
  let wrongSum = 0;
  for (let start = 0; start < split.count; start += chunkSize) {
    const indices = range(start, Math.min(start + chunkSize, split.count));
    const share = indices.length / split.count;
    let wrong: tf.Scalar | null = null;
    const result = tf.tidy(() => {
      const batch = batchGradients(net, split, indices);
      wrong = batch.wrong;
      const scaled = variables.map((v) => tf.mul(batch.grads[v.name]!, share));
      const summed = accumulated ? scaled.map((g, i) => tf.add(g, accumulated![i]!)) : scaled;
      return { summed, loss: batch.value };
    });
    if (accumulated) for (const t of accumulated) t.dispose();
    accumulated = result.summed;
    const [loss, wrongCount] = await Promise.all([result.loss.data(), (wrong as tf.Scalar | null)!.data()]);
    result.loss.dispose();
    (wrong as tf.Scalar | null)?.dispose();
    lossSum += loss[0]! * indices.length;
    wrongSum += wrongCount[0]!;
  }
  tf.tidy(() => variables.forEach((v, i) => v.assign(tf.sub(v, tf.mul(accumulated![i]!, learningRate)))));
  for (const t of accumulated ?? []) t.dispose();
  return { loss: lossSum / split.count, error: wrongSum / split.count };
}

/**
 * The mean loss of the images at `indices`, its gradients by variable name, and how many of
 * them are misclassified. Call inside tf.tidy: the count is kept past it, for the caller to
 * dispose (it is read after the tidy, with the loss).
 */
function batchGradients(net: Net, split: Split, indices: Int32Array): { value: tf.Scalar; grads: tf.NamedTensorMap; wrong: tf.Scalar } {
  const x = gatherImages(split, indices);
  const y = gatherLabels(split, indices);
  let wrong: tf.Scalar | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const logits = net.logits(x);
    wrong = tf.keep(countWrong(logits, y));
    return crossEntropy(logits, y);
  }, net.variables);
  return { value, grads, wrong: wrong! };
}

function countWrong(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.notEqual(tf.argMax(logits, 1), labels), 'float32'));
}
