// Operations on whole models as host arrays: the layerwise perturbation of the paper (Gaussian
// noise with std k x S, S being the standard deviation of that layer's weights), averaging and
// straight-line interpolation. Host-side so they are exact and identical on every backend.
import { CHANNELS, checkWeights, kernelSize, layerShapes, type Weights } from './net.ts';
import type { Rng } from './random.ts';

export function layerStd(layer: Float32Array): number {
  let mean = 0;
  for (let i = 0; i < layer.length; i++) mean += layer[i]!;
  mean /= layer.length;
  let sq = 0;
  for (let i = 0; i < layer.length; i++) sq += (layer[i]! - mean) ** 2;
  return Math.sqrt(sq / layer.length);
}

/** w + N(0, (k * S_l)^2) in every layer l, S_l the std of layer l's weights. */
export function perturb(weights: Weights, k: number, rng: Rng): Weights {
  return weights.map((layer) => {
    const std = k * layerStd(layer);
    const out = new Float32Array(layer.length);
    for (let i = 0; i < layer.length; i++) out[i] = layer[i]! + std * rng.normal();
    return out;
  });
}

/**
 * A random direction in weight space, filter-normalized to `weights` (Li et al., 2018): Gaussian
 * noise whose every filter (one output channel of a layer's kernel) is rescaled to the norm of the
 * same filter of the model. A step of t along it moves each filter by t times its own size, so
 * directions compare across layers and models; with batch norm after every hidden convolution the
 * network is blind to a filter's scale, and only such relative moves change what it computes. The
 * last layer's bias gets no component.
 */
export function filterNormalizedDirection(weights: Weights, rng: Rng): Weights {
  const width = weights[0]!.length / (9 * CHANNELS);
  checkWeights(width, weights);
  return layerShapes(width).map((shape, l) => {
    const layer = weights[l]!;
    const out = new Float32Array(layer.length);
    const filters = shape.kernel[3];
    const size = kernelSize(shape);
    for (let i = 0; i < size; i++) out[i] = rng.normal();
    // HWIO: element i of the kernel belongs to output channel i % filters
    const modelNorm = new Float64Array(filters);
    const noiseNorm = new Float64Array(filters);
    for (let i = 0; i < size; i++) {
      modelNorm[i % filters] += layer[i]! * layer[i]!;
      noiseNorm[i % filters] += out[i]! * out[i]!;
    }
    const scale = Array.from(modelNorm, (m, f) => Math.sqrt(m / noiseNorm[f]!));
    for (let i = 0; i < size; i++) out[i] = out[i]! * scale[i % filters]!;
    return out;
  });
}

/** sum_i c_i * W_i, layer by layer, accumulated in double precision: averages, interpolations. */
export function combine(terms: Array<{ coefficient: number; weights: Weights }>): Weights {
  if (terms.length === 0) throw new Error('cannot combine zero models');
  const first = terms[0]!.weights;
  for (const { weights } of terms) if (weights.length !== first.length) throw new Error(`cannot combine models with ${first.length} and ${weights.length} layers`);
  return first.map((layer, l) => {
    const out = new Float64Array(layer.length);
    for (const { coefficient, weights } of terms) {
      const src = weights[l]!;
      if (src.length !== layer.length) throw new Error(`layer ${l + 1}: sizes ${layer.length} and ${src.length} differ`);
      for (let i = 0; i < src.length; i++) out[i]! += coefficient * src[i]!;
    }
    return Float32Array.from(out);
  });
}

/** (1 - a) * A + a * B, layer by layer; a outside [0, 1] extrapolates. */
export function interpolate(a: Weights, b: Weights, alpha: number): Weights {
  return combine([
    { coefficient: 1 - alpha, weights: a },
    { coefficient: alpha, weights: b },
  ]);
}

/** The mean of several models, layer by layer. */
export function average(models: Weights[]): Weights {
  return combine(models.map((weights) => ({ coefficient: 1 / models.length, weights })));
}

/** All layers in one vector. */
export function flattenAll(weights: Weights): Float32Array {
  const out = new Float32Array(weights.reduce((n, l) => n + l.length, 0));
  let offset = 0;
  for (const layer of weights) {
    out.set(layer, offset);
    offset += layer.length;
  }
  return out;
}

export function cloneWeights(weights: Weights): Weights {
  return weights.map((l) => Float32Array.from(l));
}
