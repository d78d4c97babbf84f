// The paper's DCNN, described without tensors: five 3x3 convolutions with stride 2
// (32 -> 16 -> 8 -> 4 -> 2 -> 1), batch norm without learned shift/scale after each hidden
// convolution, ReLU, and the last convolution giving the 10 logits. Hidden convolutions carry no
// bias, since batch norm subtracts any bias right away; the last one has a bias.
//
// Weights live on the host as one Float32Array per layer (the kernel in HWIO order, then the
// bias if the layer has one): the unit that MDS flattens, that perturbation scales by the layer's
// own standard deviation, and that averaging and interpolation combine.
import { Rng } from './random.ts';

export const IMAGE_SIZE = 32;
export const CHANNELS = 3;
export const CLASSES = 10;
export const LAYERS = 5;

/**
 * Layers as the paper counts them: the input image is layer 1, so the five convolutions are
 * layers 2-6 and "layer 2" means the weights of the first convolution. Every figure, file name
 * and caption uses this numbering; `weightIndex` turns it into an index of `Weights`.
 */
export const PAPER_LAYERS = [2, 3, 4, 5, 6] as const;
export type PaperLayer = (typeof PAPER_LAYERS)[number];

export function weightIndex(layer: number): number {
  if (layer === 1) throw new Error('layer 1 is the input: it has no weights (the paper counts the convolutions as layers 2-6)');
  if (!(PAPER_LAYERS as readonly number[]).includes(layer)) throw new Error(`no layer ${layer}: the layers with weights are layers 2-6`);
  return layer - 2;
}

export interface LayerShape {
  /** [kernelHeight, kernelWidth, inChannels, outChannels] */
  kernel: [number, number, number, number];
  bias: boolean;
}

export type Weights = Float32Array[];

export function layerShapes(width: number): LayerShape[] {
  if (!Number.isInteger(width) || width < 1) throw new Error(`net width must be a positive integer, got ${width}`);
  const shapes: LayerShape[] = [];
  let inChannels = CHANNELS;
  for (let l = 0; l < LAYERS; l++) {
    const last = l === LAYERS - 1;
    const out = last ? CLASSES : width;
    shapes.push({ kernel: [3, 3, inChannels, out], bias: last });
    inChannels = out;
  }
  return shapes;
}

export function kernelSize(shape: LayerShape): number {
  return shape.kernel.reduce((a, b) => a * b, 1);
}

export function layerSize(shape: LayerShape): number {
  return kernelSize(shape) + (shape.bias ? shape.kernel[3] : 0);
}

export function parameterCount(width: number): number {
  return layerShapes(width).reduce((n, s) => n + layerSize(s), 0);
}

/**
 * The usual default of deep-learning libraries for convolutions: uniform in
 * [-1/sqrt(fanIn), 1/sqrt(fanIn)] for kernel and bias. With batch norm the scale of a hidden
 * kernel sets the effective learning rate, so matching the common default keeps lr = 0.01
 * meaningful.
 */
export function initWeights(width: number, rng: Rng): Weights {
  return layerShapes(width).map((shape) => {
    const [kh, kw, cin] = shape.kernel;
    const bound = 1 / Math.sqrt(kh * kw * cin);
    return rng.uniformArray(layerSize(shape), -bound, bound);
  });
}

export function checkWeights(width: number, weights: Weights): void {
  const shapes = layerShapes(width);
  if (weights.length !== shapes.length) throw new Error(`expected ${shapes.length} layers, got ${weights.length}`);
  shapes.forEach((shape, l) => {
    if (weights[l]!.length !== layerSize(shape)) {
      throw new Error(`layer ${l + 1}: expected ${layerSize(shape)} weights, got ${weights[l]!.length}`);
    }
  });
}
