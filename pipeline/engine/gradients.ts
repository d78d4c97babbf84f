// The gradient of the mean loss of one batch of images, batch norm using that batch's own
// statistics: an SGD step, and a full-batch step when the whole training set fits in one pass.
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, gatherImages, gatherLabels, type Net, type Split } from './model.ts';

/**
 * The mean loss of the images at `indices`, its gradients by variable name, and how many of
 * them are misclassified. Call inside tf.tidy: the count is kept past it, for the caller to
 * dispose (it is read after the tidy, with the loss).
 */
export function batchGradients(net: Net, split: Split, indices: Int32Array): { value: tf.Scalar; grads: tf.NamedTensorMap; wrong: tf.Scalar } {
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

export function countWrong(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.notEqual(tf.argMax(logits, 1), labels), 'float32'));
}
