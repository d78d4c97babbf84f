// The gradient of the mean loss of one batch of images, batch norm using that batch's own
// statistics: an SGD step, and a full-batch step when the whole training set fits in one pass.
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, gatherImages, gatherLabels, type BnStats, type Net, type Split } from './model.ts';

/** What a gradient pass saw, kept for an evaluation of the same weights (caller disposes). */
export interface PassSeen {
  logits: tf.Tensor2D;
  /** the batch statistics each hidden layer was normalized with */
  stats: BnStats;
}

/**
 * The mean loss of the images at `indices`, its gradients by variable name, and how many of
 * them are misclassified. Call inside tf.tidy: the count is kept past it, for the caller to
 * dispose (it is read after the tidy, with the loss). With `keepSeen`, the pass's logits and
 * batch statistics are kept too: the very numbers of the forward pass the gradient is taken through.
 */
export function batchGradients(
  net: Net,
  split: Split,
  indices: Int32Array,
  keepSeen = false,
): { value: tf.Scalar; grads: tf.NamedTensorMap; wrong: tf.Scalar; seen: PassSeen | null } {
  const x = gatherImages(split, indices);
  const y = gatherLabels(split, indices);
  let wrong: tf.Scalar | null = null;
  let seen: PassSeen | null = null;
  const { value, grads } = tf.variableGrads(() => {
    let logits: tf.Tensor2D;
    if (keepSeen) {
      const pass = net.logitsAndStats(x);
      logits = pass.logits;
      seen = { logits: tf.keep(logits), stats: pass.stats };
    } else {
      logits = net.logits(x);
    }
    wrong = tf.keep(countWrong(logits, y));
    return crossEntropy(logits, y);
  }, net.variables);
  return { value, grads, wrong: wrong!, seen };
}

export function countWrong(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.notEqual(tf.argMax(logits, 1), labels), 'float32'));
}
