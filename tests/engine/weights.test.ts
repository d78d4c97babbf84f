import { describe, expect, it } from 'vitest';
import { Rng } from '../../pipeline/engine/random.ts';
import { PAPER_LAYERS, weightIndex } from '../../pipeline/engine/net.ts';
import { average, flattenAll, interpolate, layerStd, perturb } from '../../pipeline/engine/weights.ts';

const model = (...layers: number[][]) => layers.map((l) => Float32Array.from(l));

describe('weight operations', () => {
  it('measures a layer standard deviation (population)', () => {
    expect(layerStd(Float32Array.from([1, 3, 1, 3]))).toBeCloseTo(1, 12);
    expect(layerStd(Float32Array.from([2, 2, 2]))).toBe(0);
  });

  it('perturbs each layer by noise proportional to its own standard deviation', () => {
    const rng = new Rng('layers');
    const big = [rng.normalArray(200_000, 1), rng.normalArray(200_000, 0.01)];
    const noisy = perturb(big, 0.25, new Rng('noise'));
    big.forEach((layer, l) => {
      const diff = noisy[l]!.map((v, i) => v - layer[i]!);
      expect(layerStd(diff) / layerStd(layer)).toBeCloseTo(0.25, 2);
    });
    // same stream, same noise; the input is left untouched
    expect(Array.from(perturb(big, 0.25, new Rng('noise'))[1]!.subarray(0, 5))).toEqual(Array.from(noisy[1]!.subarray(0, 5)));
    expect(noisy[0]).not.toBe(big[0]);
  });

  it('averages and interpolates layer by layer', () => {
    const a = model([0, 2, 4], [10]);
    const b = model([2, 2, 0], [20]);
    expect(average([a, b]).map((l) => Array.from(l))).toEqual([[1, 2, 2], [15]]);
    expect(interpolate(a, b, 0).map((l) => Array.from(l))).toEqual([[0, 2, 4], [10]]);
    expect(interpolate(a, b, 1).map((l) => Array.from(l))).toEqual([[2, 2, 0], [20]]);
    expect(interpolate(a, b, 0.25).map((l) => Array.from(l))).toEqual([[0.5, 2, 3], [12.5]]);
    expect(interpolate(a, b, -0.5).map((l) => Array.from(l))).toEqual([[-1, 2, 6], [5]]);
    expect(() => interpolate(a, model([1, 2], [3]), 0.5)).toThrow(/layer 1/);
  });

  it('flattens the whole model', () => {
    const a = model([1, 2], [3, 4, 5]);
    expect(Array.from(flattenAll(a))).toEqual([1, 2, 3, 4, 5]);
  });

  it('numbers layers as the paper does: the input is layer 1, the convolutions 2-6', () => {
    expect(PAPER_LAYERS).toEqual([2, 3, 4, 5, 6]);
    expect(weightIndex(2)).toBe(0);
    expect(weightIndex(6)).toBe(4);
    expect(() => weightIndex(1)).toThrow(/layer 1 is the input/);
    expect(() => weightIndex(7)).toThrow(/layers 2-6/);
  });
});
