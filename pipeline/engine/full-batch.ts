// The exact gradient of the mean loss over a whole training set, batch norm included: every hidden
// layer is normalized with the mean and variance of the WHOLE set, and the gradient flows through
// those statistics too, exactly as in one forward and backward pass over the whole set.
//
// When the set's activations fit in memory (ONE_PASS_BYTES), that is what happens: one pass.
// Otherwise the same numbers are computed chunk by chunk:
//   1. statistics, layer by layer: the full-set mean and variance of layer l's pre-activations,
//      with layers below l normalized by their full-set statistics (chunk moments combined with
//      Chan's formula in double precision);
//   2. top-down, one pass per hidden layer l: with x^ = (z - mean) / sqrt(variance + eps) and
//      g = dL/dx^ (L the full-set mean loss, every layer above l already exact), the full-set
//      channel sums of g and of g * x^. Batch norm's exact backward needs only these:
//        dL/dz = (g - mean(g) - x^ * mean(g * x^)) / sqrt(variance + eps)
//   3. a last pass: the weight gradients of every chunk, with that backward in every layer, summed.
// Step 2 for layer l needs the sums of every layer above it, hence one pass per layer.
import * as tf from '@tensorflow/tfjs';
import { normalizeRelu } from './batch-norm-relu.ts';
import { batchGradients, countWrong, type PassSeen } from './gradients.ts';
import { crossEntropy, gatherImages, gatherLabels, IMAGE_VALUES, range, type BnStats, type Net, type Split } from './model.ts';
import { IMAGE_SIZE, layerShapes } from './net.ts';

export interface FullBatchGradient {
  /** the gradient of the mean loss, one tensor per variable in `net.variables` order (caller disposes) */
  grads: tf.Tensor[];
  /** mean loss and share of misclassified images over the set, of the weights the gradient is taken at */
  loss: number;
  error: number;
  /** one pass only, when asked: its logits and full-set batch statistics (caller disposes) */
  seen?: PassSeen;
}

/**
 * What one forward and backward pass over the whole set may take, as `bytesPerImage` counts it.
 * The count is generous: the wasm heap actually peaked at about 0.65 of it (1.4 GB for 5,000
 * images at width 48, 2.6 GB for 6,000 at width 80), so this keeps a pass near 1.7 GB, well
 * inside the wasm backend's 4 GB.
 */
export const ONE_PASS_BYTES = 2.5 * 2 ** 30;

/**
 * Bytes one image takes in a training pass: the image, and per layer its pre-activation, the
 * activation, their gradients (4 tensors of the output's size, a generous count) and the
 * convolution's unrolled input (im2col: output positions x 3 x 3 x input channels).
 */
export function bytesPerImage(width: number): number {
  let floats = IMAGE_VALUES;
  let side = IMAGE_SIZE;
  for (const { kernel } of layerShapes(width)) {
    side = Math.ceil(side / 2);
    const positions = side * side;
    floats += 4 * positions * kernel[3] + positions * kernel[0] * kernel[1] * kernel[2];
  }
  return 4 * floats;
}

/** Whether `count` images of a net of this width go through in one pass. */
export function fitsOnePass(width: number, count: number): boolean {
  return count * bytesPerImage(width) <= ONE_PASS_BYTES;
}

/** The exact full-set gradient: one pass when the set fits, else exact chunks of `chunkSize` images. */
export function fullBatchGradient(net: Net, split: Split, chunkSize: number): Promise<FullBatchGradient> {
  return fitsOnePass(net.width, split.count) ? onePassGradient(net, split) : chunkedGradient(net, split, chunkSize);
}

/** The whole set as one batch; with `keepSeen`, what its forward pass saw is kept (`seen`). */
export async function onePassGradient(net: Net, split: Split, keepSeen = false): Promise<FullBatchGradient> {
  let wrong: tf.Scalar | null = null;
  let seen: PassSeen | null = null;
  const { grads, value } = tf.tidy(() => {
    const batch = batchGradients(net, split, range(0, split.count), keepSeen);
    wrong = batch.wrong;
    seen = batch.seen;
    return { grads: net.variables.map((v) => batch.grads[v.name]!), value: batch.value };
  });
  const [loss, wrongCount] = await Promise.all([value.data(), (wrong as tf.Scalar | null)!.data()]);
  tf.dispose([value, wrong!]);
  return { grads, loss: loss[0]!, error: wrongCount[0]! / split.count, ...(seen ? { seen } : {}) };
}

/** Per hidden layer: the channel means of g and of g * x^ over the whole set (step 2). */
type Sums = Array<{ g: tf.Tensor1D; gx: tf.Tensor1D } | null>;

/** The same gradient, computed in chunks of `chunkSize` images (the scheme at the top). */
export async function chunkedGradient(net: Net, split: Split, chunkSize: number): Promise<FullBatchGradient> {
  if (!(chunkSize >= 1)) throw new Error(`chunk size must be at least 1, got ${chunkSize}`);
  // the exact batch-norm backward below is written for ReLU
  if (net.activation.kind !== 'relu') throw new Error(`exact chunked full-batch GD supports ReLU nets only, not a ${net.activation.kind} activation`);
  const chunks: Int32Array[] = [];
  for (let start = 0; start < split.count; start += chunkSize) chunks.push(range(start, Math.min(start + chunkSize, split.count)));
  const hidden = net.shapes.length - 1;
  const stats = await fullSetStats(net, split, chunks);
  const rstd = stats.map(({ variance }) => tf.tidy(() => tf.rsqrt(tf.add(variance, net.bnEpsilon)) as tf.Tensor1D));
  const sums: Sums = new Array(hidden).fill(null);
  // layers whose sums are known get the exact backward; below the frontier nothing is differentiated
  const normalize = (z: tf.Tensor4D, l: number): tf.Tensor4D => {
    const s = sums[l];
    return s ? normalizeReluExact(z, stats[l]!, rstd[l]!, s, net.bnEpsilon) : normalizeRelu(z, stats[l]!.mean, stats[l]!.variance, net.bnEpsilon);
  };
  // the chunk's share of the full-set mean loss
  const lossOf = (logits: tf.Tensor2D, labels: tf.Tensor1D) => tf.div(tf.mul(crossEntropy(logits, labels), labels.shape[0]), split.count) as tf.Scalar;
  try {
    for (let l = hidden - 1; l >= 0; l--) {
      const channels = net.shapes[l]!.kernel[3];
      const g = new Float64Array(channels);
      const gx = new Float64Array(channels);
      for (const indices of chunks) {
        const [gSum, gxSum] = tf.tidy(() => {
          const labels = gatherLabels(split, indices);
          let h = gatherImages(split, indices);
          for (let j = 0; j < l; j++) h = normalize(net.conv(h, j), j);
          const xhat = tf.mul(tf.sub(net.conv(h, l), stats[l]!.mean), rstd[l]!) as tf.Tensor4D;
          const grad = tf.grad((x: tf.Tensor) => lossOf(net.forward(tf.relu(x as tf.Tensor4D), normalize, l + 1), labels))(xhat);
          return [tf.sum(grad, [0, 1, 2]), tf.sum(tf.mul(grad, xhat), [0, 1, 2])];
        });
        const [a, b] = await Promise.all([gSum!.data(), gxSum!.data()]);
        tf.dispose([gSum!, gxSum!]);
        for (let c = 0; c < channels; c++) {
          g[c]! += a[c]!;
          gx[c]! += b[c]!;
        }
      }
      const positions = split.count * positionsOf(l);
      sums[l] = { g: tf.tensor1d(Float32Array.from(g, (v) => v / positions)), gx: tf.tensor1d(Float32Array.from(gx, (v) => v / positions)) };
    }
    return await summedGradients(net, split, chunks, normalize, lossOf);
  } finally {
    for (const s of sums) if (s) tf.dispose([s.g, s.gx]);
    tf.dispose(rstd);
    for (const { mean, variance } of stats) tf.dispose([mean, variance]);
  }
}

/** Step 3: every chunk's weight gradients with the exact backward everywhere, summed; loss and errors. */
async function summedGradients(
  net: Net,
  split: Split,
  chunks: Int32Array[],
  normalize: (z: tf.Tensor4D, l: number) => tf.Tensor4D,
  lossOf: (logits: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar,
): Promise<FullBatchGradient> {
  let grads: tf.Tensor[] | null = null;
  let loss = 0;
  let wrong = 0;
  for (const indices of chunks) {
    let wrongTensor: tf.Scalar | null = null;
    const result = tf.tidy(() => {
      const labels = gatherLabels(split, indices);
      const images = gatherImages(split, indices);
      const { value, grads: chunkGrads } = tf.variableGrads(() => {
        const logits = net.forward(images, normalize);
        wrongTensor = tf.keep(countWrong(logits, labels));
        return lossOf(logits, labels);
      }, net.variables);
      const ordered = net.variables.map((v) => chunkGrads[v.name]!);
      return { value, summed: grads ? ordered.map((t, i) => tf.add(t, grads![i]!)) : ordered };
    });
    if (grads) tf.dispose(grads);
    grads = result.summed;
    const [v, w] = await Promise.all([result.value.data(), (wrongTensor as tf.Scalar | null)!.data()]);
    tf.dispose([result.value, wrongTensor!]);
    loss += v[0]!;
    wrong += w[0]!;
  }
  return { grads: grads!, loss, error: wrong / split.count };
}

/**
 * Step 1: the full-set mean and (biased) variance of each hidden layer's pre-activations, every
 * layer below normalized by its own full-set statistics. Nothing but the chunk is kept in memory:
 * layer l's pass recomputes the layers below it.
 */
export async function fullSetStats(net: Net, split: Split, chunks: Int32Array[]): Promise<BnStats> {
  const stats: BnStats = [];
  const hidden = net.shapes.length - 1;
  try {
    for (let l = 0; l < hidden; l++) {
      const channels = net.shapes[l]!.kernel[3];
      const mean = new Float64Array(channels);
      const m2 = new Float64Array(channels);
      let count = 0;
      for (const indices of chunks) {
        const [m, v] = tf.tidy(() => {
          let h = gatherImages(split, indices);
          for (let j = 0; j < l; j++) h = normalizeRelu(net.conv(h, j), stats[j]!.mean, stats[j]!.variance, net.bnEpsilon);
          const moments = tf.moments(net.conv(h, l), [0, 1, 2]);
          return [moments.mean, moments.variance];
        });
        const [chunkMean, chunkVariance] = await Promise.all([m!.data(), v!.data()]);
        tf.dispose([m!, v!]);
        // Chan et al.: merge (count, mean, M2) with the chunk's
        const n = indices.length * positionsOf(l);
        const total = count + n;
        for (let c = 0; c < channels; c++) {
          const delta = chunkMean[c]! - mean[c]!;
          mean[c]! += (delta * n) / total;
          m2[c]! += chunkVariance[c]! * n + (delta * delta * count * n) / total;
        }
        count = total;
      }
      stats.push({ mean: tf.tensor1d(Float32Array.from(mean)), variance: tf.tensor1d(Float32Array.from(m2, (v) => v / count)) });
    }
    return stats;
  } catch (error) {
    for (const { mean, variance } of stats) tf.dispose([mean, variance]);
    throw error;
  }
}

/** Output positions per image of hidden layer l (0-based): 16 x 16, 8 x 8, ... */
function positionsOf(l: number): number {
  const side = Math.ceil(IMAGE_SIZE / 2 ** (l + 1));
  return side * side;
}

/**
 * relu(x^) with the full-set statistics, whose gradient is batch norm's exact full-set backward
 * given the full-set channel means of g = dL/dx^ and of g * x^ (the statistics are constants here:
 * their dependence on z is what the two means account for).
 */
function normalizeReluExact(
  z: tf.Tensor4D,
  stats: { mean: tf.Tensor1D; variance: tf.Tensor1D },
  rstd: tf.Tensor1D,
  sums: { g: tf.Tensor1D; gx: tf.Tensor1D },
  epsilon: number,
): tf.Tensor4D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([input]);
    return {
      value: normalizeRelu(input, stats.mean, stats.variance, epsilon),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xhat = tf.mul(tf.sub(saved[0]!, stats.mean), rstd);
        const g = tf.mul(dy, tf.cast(tf.greater(xhat, 0), 'float32'));
        return tf.mul(tf.sub(tf.sub(g, sums.g), tf.mul(xhat, sums.gx)), rstd);
      },
    };
  });
  return op(z) as tf.Tensor4D;
}
