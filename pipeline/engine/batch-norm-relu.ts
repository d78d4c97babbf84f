// Batch norm (no learned shift/scale) followed by ReLU, as one op: what every hidden layer of
// the DCNN does after its convolution. Where the backend has the fused kernels (the 'wasm'
// backend with the native kernel provider, see native-kernels.ts) this is two passes over the
// data forward and two backward; elsewhere it is the composed tfjs ops, exactly as before
// (moments, subtract, multiply by rsqrt(variance + epsilon), relu), so the numbers of the other
// engine paths do not change.
//
// Statistics are over every axis but the last (the channels): N, H and W for NHWC.
import * as tf from '@tensorflow/tfjs';

/** Kernel names (registered on 'wasm' by native-kernels.ts when the addon is active). */
export const BN_RELU = 'LandscapeBatchNormRelu';
export const BN_RELU_GRAD = 'LandscapeBatchNormReluGrad';
export const NORMALIZE_RELU = 'LandscapeNormalizeRelu';

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

function leadingAxes(x: tf.Tensor): number[] {
  return Array.from({ length: x.rank - 1 }, (_, i) => i);
}

/** Whether the fused kernels serve z (else the composed tfjs ops). */
function fused(z: tf.Tensor): boolean {
  return z.dtype === 'float32' && z.rank >= 2 && hasKernel(BN_RELU) && hasKernel(BN_RELU_GRAD);
}

/** The composed ops, with the statistics they normalized with (call inside a tidy). */
function composed<T extends tf.Tensor>(z: T, epsilon: number): { y: T; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const { mean, variance } = tf.moments(z, leadingAxes(z));
  return { y: tf.relu(tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, epsilon)))) as T, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/**
 * relu((z - mean) / sqrt(variance + epsilon)) with the mean and (biased) variance of this
 * batch, per channel; differentiable (through the statistics too).
 */
export function batchNormRelu<T extends tf.Tensor>(z: T, epsilon: number): T {
  if (!fused(z)) return tf.tidy(() => composed(z, epsilon).y);
  const [y, mean, rstd] = tf.engine().runKernel(BN_RELU, { x: z }, { epsilon } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  // the gradient keeps its own references to the statistics it needs
  mean!.dispose();
  rstd!.dispose();
  return y as T;
}

/**
 * batchNormRelu, and the per-channel statistics it normalized with (kept past the caller's tidy,
 * for the caller to dispose): the mean and the variance. The fused kernel gives 1 / sqrt(variance +
 * epsilon), so there the variance is recovered from it (to float rounding); normalizeRelu with
 * these statistics turns them back into the same scale.
 */
export function batchNormReluWithStats<T extends tf.Tensor>(z: T, epsilon: number): { y: T; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  if (!fused(z)) {
    const { y, mean, variance } = composed(z, epsilon);
    return { y, mean: tf.keep(mean), variance: tf.keep(variance) };
  }
  const [y, mean, rstd] = tf.engine().runKernel(BN_RELU, { x: z }, { epsilon } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const variance = tf.keep(tf.tidy(() => tf.sub(tf.reciprocal(tf.square(rstd!)), epsilon))) as tf.Tensor1D;
  return { y: y as T, mean: tf.keep(mean!) as tf.Tensor1D, variance };
}

/** relu((z - mean) / sqrt(variance + epsilon)) with given per-channel statistics (evaluation; no gradient). */
export function normalizeRelu<T extends tf.Tensor>(z: T, mean: tf.Tensor, variance: tf.Tensor, epsilon: number): T {
  const channels = z.shape[z.rank - 1];
  const fused = z.dtype === 'float32' && z.rank >= 2 && mean.size === channels && variance.size === channels &&
    mean.dtype === 'float32' && variance.dtype === 'float32' && hasKernel(NORMALIZE_RELU);
  if (!fused) return tf.tidy(() => tf.relu(tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, epsilon))))) as T;
  return tf.engine().runKernel(NORMALIZE_RELU, { x: z, mean, variance }, { epsilon } as unknown as tf.NamedAttrMap) as T;
}

tf.registerGradient({
  kernelName: BN_RELU,
  inputsToSave: ['x'],
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved) => {
    const [x, mean, rstd] = saved as tf.Tensor[];
    const dyOfY = Array.isArray(dy) ? dy[0]! : dy;
    return { x: () => tf.engine().runKernel(BN_RELU_GRAD, { dy: dyOfY, x: x!, mean: mean!, rstd: rstd! }, {}) as tf.Tensor };
  },
});
