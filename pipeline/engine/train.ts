// Plain gradient descent on the DCNN: no momentum, no weight decay, no augmentation.
// SGD walks the training set in mini-batches in a given order; BGD takes one step per epoch on
// the exact gradient of the whole training set (full-batch.ts).
// Values are read back with `await data()`, never dataSync(): the webgpu backend cannot read
// synchronously in Node (webgpu.ts). SGD reads once an epoch.
import * as tf from '@tensorflow/tfjs';
import { fullBatchGradient, type FullBatchGradient } from './full-batch.ts';
import { batchGradients } from './gradients.ts';
import type { Net, Split } from './model.ts';

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

/**
 * One step of batch gradient descent: the exact gradient of the mean loss over the whole training
 * set, batch norm over the whole set too (full-batch.ts: in one pass when the set fits, else in
 * exact chunks of `chunkSize` images). The loss and error returned are the whole set's, of the
 * weights before the step. `gradient`, when given, is that gradient already taken at the net's
 * present weights (training-set-evaluation.ts); the step takes it over and frees it.
 */
export async function bgdEpoch(net: Net, split: Split, learningRate: number, chunkSize: number, gradient?: FullBatchGradient): Promise<EpochStats> {
  const { grads, loss, error } = gradient ?? (await fullBatchGradient(net, split, chunkSize));
  tf.tidy(() => net.variables.forEach((v, i) => v.assign(tf.sub(v, tf.mul(grads[i]!, learningRate)))));
  tf.dispose(grads);
  return { loss, error };
}
