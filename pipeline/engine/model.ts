// The DCNN as tensors: forward pass, batch norm, loss. Weights are explicit per-layer variables
// loaded from and read back into host arrays (net.ts), so experiments can save, perturb,
// average and interpolate whole models between training runs.
import * as tf from '@tensorflow/tfjs';
import { batchNorm, normalize, polynomial, RELU, type Activation } from './activation.ts';
import { batchNormRelu, batchNormReluWithStats, normalizeRelu } from './batch-norm-relu.ts';
import { CHANNELS, CLASSES, IMAGE_SIZE, kernelSize, layerShapes, type LayerShape, type Weights, checkWeights } from './net.ts';

/** Images in NHWC order, normalised; labels 0..9. */
export interface Split {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  /** all the images, kept on the backend (keepOnBackend) */
  tensor?: tf.Tensor4D;
}

/** Per-channel mean and variance of each hidden layer's pre-activations. */
export type BnStats = Array<{ mean: tf.Tensor1D; variance: tf.Tensor1D }>;

/**
 * The pre-activations (batch-norm outputs) the training steps fed a polynomial activation, per
 * hidden layer: how many fell outside the interval it was fitted on, of how many, and the largest
 * |x| seen.
 */
export interface PreActivationStats {
  interval: number;
  outside: number[];
  total: number[];
  maxAbs: number[];
}

export const IMAGE_VALUES = IMAGE_SIZE * IMAGE_SIZE * CHANNELS;

let netCount = 0;

export class Net {
  readonly shapes: LayerShape[];
  private readonly kernels: tf.Variable<tf.Rank.R4>[];
  private readonly bias: tf.Variable<tf.Rank.R1>;
  /** per training forward pass and hidden layer: [count outside the interval, max |x|] */
  private observed: Array<{ layer: number; size: number; counts: tf.Tensor1D }> = [];

  constructor(
    readonly width: number,
    weights: Weights,
    readonly bnEpsilon = 1e-5,
    readonly activation: Activation = RELU,
  ) {
    checkWeights(width, weights);
    this.shapes = layerShapes(width);
    // variable names must be unique in the engine; tf.variable keeps its own reference to the
    // data, so tidy frees the initial tensors
    const prefix = `net${++netCount}`;
    this.kernels = tf.tidy(() =>
      this.shapes.map((shape, l) => tf.variable(tf.tensor4d(weights[l]!.subarray(0, kernelSize(shape)), shape.kernel), true, `${prefix}-k${l + 1}`)),
    );
    const last = this.shapes.length - 1;
    this.bias = tf.tidy(() => tf.variable(tf.tensor1d(weights[last]!.subarray(kernelSize(this.shapes[last]!))), true, `${prefix}-b5`));
  }

  get variables(): tf.Variable[] {
    return [...this.kernels, this.bias];
  }

  setWeights(weights: Weights): void {
    checkWeights(this.width, weights);
    tf.tidy(() => {
      this.shapes.forEach((shape, l) => {
        this.kernels[l]!.assign(tf.tensor4d(weights[l]!.subarray(0, kernelSize(shape)), shape.kernel));
      });
      const last = this.shapes.length - 1;
      this.bias.assign(tf.tensor1d(weights[last]!.subarray(kernelSize(this.shapes[last]!))));
    });
  }

  /** The weights as host arrays (read with data(): the webgpu backend cannot read synchronously). */
  async getWeights(): Promise<Weights> {
    const [kernels, bias] = await Promise.all([Promise.all(this.kernels.map((k) => k.data() as Promise<Float32Array>)), this.bias.data() as Promise<Float32Array>]);
    return this.shapes.map((shape, l) => {
      const kernel = kernels[l]!;
      if (!shape.bias) return Float32Array.from(kernel);
      const out = new Float32Array(kernel.length + shape.kernel[3]);
      out.set(kernel);
      out.set(bias, kernel.length);
      return out;
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    for (const o of this.observed) o.counts.dispose();
    this.observed = [];
  }

  /**
   * What the training passes since the last call fed the polynomial activation (null for ReLU,
   * which is not fitted on an interval). Read once an epoch.
   */
  async takePreActivations(): Promise<PreActivationStats | null> {
    if (this.activation.kind !== 'polynomial') return null;
    const hidden = this.shapes.length - 1;
    const stats: PreActivationStats = { interval: this.activation.interval, outside: [], total: [], maxAbs: [] };
    const observed = this.observed;
    this.observed = [];
    for (let l = 0; l < hidden; l++) {
      const mine = observed.filter((o) => o.layer === l);
      const [outside, maxAbs] = mine.length === 0 ? [0, 0] : await readPair(mine.map((o) => o.counts));
      stats.outside.push(outside);
      stats.total.push(mine.reduce((n, o) => n + o.size, 0));
      stats.maxAbs.push(maxAbs);
    }
    for (const o of observed) o.counts.dispose();
    return stats;
  }

  /**
   * Logits for a batch with batch norm on the batch's own statistics (as in training), and those
   * statistics, layer by layer: the same numbers as `logits(x)`, with what normalized them. The
   * statistics are kept past the caller's tidy; the caller disposes them.
   */
  logitsAndStats(x: tf.Tensor4D): { logits: tf.Tensor2D; stats: BnStats } {
    const stats: BnStats = [];
    const logits = this.forward(x, (z, l) => {
      if (this.activation.kind === 'relu') {
        const { y, mean, variance } = batchNormReluWithStats(z, this.bnEpsilon);
        stats.push({ mean, variance });
        return y;
      }
      // the polynomial path normalizes with tf.moments too: the same statistics, taken again
      const { mean, variance } = tf.moments(z, [0, 1, 2]);
      stats.push({ mean: tf.keep(mean) as tf.Tensor1D, variance: tf.keep(variance) as tf.Tensor1D });
      return this.hidden(z, l);
    });
    return { logits, stats };
  }

  /** Pre-activation of hidden layer l (0-based) or the logits layer. */
  conv(x: tf.Tensor4D, l: number): tf.Tensor4D {
    return tf.conv2d(x, this.kernels[l]!, 2, 'same');
  }

  /**
   * Batch norm and activation of hidden layer l's pre-activation z: with this batch's statistics
   * (training), or with fixed ones (evaluation).
   */
  hidden(z: tf.Tensor4D, l: number, stats?: { mean: tf.Tensor1D; variance: tf.Tensor1D }): tf.Tensor4D {
    const act = this.activation;
    // one fused op where the backend has it (native kernels), the composed ops elsewhere
    if (act.kind === 'relu') return stats ? normalizeRelu(z, stats.mean, stats.variance, this.bnEpsilon) : batchNormRelu(z, this.bnEpsilon);
    return tf.tidy(() => {
      const x = stats ? normalize(z, stats.mean, stats.variance, this.bnEpsilon) : batchNorm(z, this.bnEpsilon);
      if (!stats) {
        // training: count what falls outside the fitted interval (kept past the caller's tidy)
        const abs = tf.abs(x);
        const counts = tf.stack([tf.sum(tf.cast(tf.greater(abs, act.interval), 'float32')), tf.max(abs)]) as tf.Tensor1D;
        this.observed.push({ layer: l, size: x.size, counts: tf.keep(counts) });
      }
      return polynomial(x, act) as tf.Tensor4D;
    });
  }

  /**
   * Logits for a batch. With `stats` omitted, batch norm uses the batch's own statistics (as in
   * training); with `stats`, the fixed statistics given (as in evaluation).
   */
  logits(x: tf.Tensor4D, stats?: BnStats): tf.Tensor2D {
    return this.forward(x, (z, l) => this.hidden(z, l, stats?.[l]));
  }

  /**
   * Logits from `h`, the activation that enters convolution `from` (0: the images), with each
   * hidden pre-activation z of layer l (0-based) turned into the next activation by
   * `normalize(z, l)`: batch norm and the activation, however its statistics are obtained.
   */
  forward(h: tf.Tensor4D, normalize: (z: tf.Tensor4D, l: number) => tf.Tensor4D, from = 0): tf.Tensor2D {
    const hidden = this.shapes.length - 1;
    for (let l = from; l < hidden; l++) h = normalize(this.conv(h, l), l);
    const out = tf.add(this.conv(h, hidden), this.bias);
    return tf.reshape(out, [h.shape[0], CLASSES]);
  }
}

/** The sums of the first entries and the maximum of the second entries of [count, max] pairs. */
async function readPair(pairs: tf.Tensor1D[]): Promise<[number, number]> {
  const combined = tf.tidy(() => {
    const all = tf.stack(pairs) as tf.Tensor2D;
    const [counts, maxima] = tf.split(all, 2, 1);
    return tf.stack([tf.sum(counts!), tf.max(maxima!)]);
  });
  const values = await combined.data();
  combined.dispose();
  return [values[0]!, values[1]!];
}

/** Mean softmax cross-entropy of logits against integer labels. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const oneHot = tf.oneHot(labels, CLASSES);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/**
 * The mean loss of a batch (batch norm on its own statistics, as in training) and its gradient
 * for each variable (the five kernels, then the bias), read back to the host: for checks.
 */
export async function lossAndGradients(net: Net, images: Float32Array, labels: Int32Array): Promise<{ loss: number; gradients: Float32Array[] }> {
  const outs = tf.tidy(() => {
    const x = tf.tensor4d(images, [labels.length, IMAGE_SIZE, IMAGE_SIZE, CHANNELS]);
    const y = tf.tensor1d(labels, 'int32');
    const { value, grads } = tf.variableGrads(() => crossEntropy(net.logits(x), y), net.variables);
    return [value, ...net.variables.map((v) => grads[v.name]!)];
  });
  const values = await Promise.all(outs.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(outs);
  return { loss: values[0]![0]!, gradients: values.slice(1) };
}

/** Images of a split kept on the backend when they take at most this much. */
const KEEP_BYTES = 64 * 2 ** 20;

/**
 * The split with all its images kept on the backend, for a job that reads them whole every epoch
 * (then gatherImages hands out clones, which share the data, instead of copying): the split itself
 * when they take more than KEEP_BYTES. The caller frees them with releaseSplit.
 */
export function keepOnBackend(split: Split): Split {
  if (split.tensor || split.count * IMAGE_VALUES * 4 > KEEP_BYTES) return split;
  const tensor = tf.keep(tf.tensor4d(split.images.subarray(0, split.count * IMAGE_VALUES), [split.count, IMAGE_SIZE, IMAGE_SIZE, CHANNELS]));
  return { ...split, tensor };
}

export function releaseSplit(split: Split): void {
  split.tensor?.dispose();
}

function isRange(indices: ArrayLike<number>): boolean {
  for (let i = 1; i < indices.length; i++) if (indices[i] !== indices[0]! + i) return false;
  return true;
}

/**
 * The images at `indices` as one NHWC batch tensor. The whole split in order, when kept on the
 * backend, is a clone (no copy); any other run of consecutive images is one copy; the rest, image
 * by image.
 */
export function gatherImages(split: Split, indices: ArrayLike<number>): tf.Tensor4D {
  const n = indices.length;
  if (n > 0 && isRange(indices)) {
    const start = indices[0]!;
    if (start === 0 && n === split.count && split.tensor) return tf.clone(split.tensor);
    return tf.tensor4d(split.images.subarray(start * IMAGE_VALUES, (start + n) * IMAGE_VALUES), [n, IMAGE_SIZE, IMAGE_SIZE, CHANNELS]);
  }
  const buffer = new Float32Array(n * IMAGE_VALUES);
  for (let i = 0; i < n; i++) {
    const src = indices[i]! * IMAGE_VALUES;
    buffer.set(split.images.subarray(src, src + IMAGE_VALUES), i * IMAGE_VALUES);
  }
  return tf.tensor4d(buffer, [n, IMAGE_SIZE, IMAGE_SIZE, CHANNELS]);
}

export function gatherLabels(split: Split, indices: ArrayLike<number>): tf.Tensor1D {
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = split.labels[indices[i]!]!;
  return tf.tensor1d(out, 'int32');
}

export function range(start: number, end: number): Int32Array {
  const out = new Int32Array(Math.max(0, end - start));
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}
