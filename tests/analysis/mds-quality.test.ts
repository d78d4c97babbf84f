// How faithful an MDS map is: the chord distance is Euclidean (no negative eigenvalues), 1 - cos
// is not; the rank correlation between map and true distances.
import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { classicalMds, dissimilarityMatrix } from '../../pipeline/analysis/mds.ts';
import { mapRankCorrelation, negativeMass, ranks, spearman } from '../../pipeline/analysis/mds-quality.ts';
import { Rng } from '../../pipeline/engine/random.ts';

function randomPoints(n: number, d: number, seed: string): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.normalArray(d));
}

describe('MDS quality measures', () => {
  it('finds no negative eigenvalues for the chord distance, and some for 1 - cos', () => {
    const points = randomPoints(40, 30, 'quality');
    const chord = classicalMds(dissimilarityMatrix(points, 'chord'), 2);
    expect(negativeMass(chord.eigenvalues)).toBeLessThan(1e-12);
    const cosine = classicalMds(dissimilarityMatrix(points, 'cosine'), 2);
    expect(negativeMass(cosine.eigenvalues)).toBeGreaterThan(0.01);
  });

  it('orders pairs of the chord distance exactly as 1 - cos does', () => {
    const points = randomPoints(12, 8, 'order');
    const chord = dissimilarityMatrix(points, 'chord');
    const cosine = dissimilarityMatrix(points, 'cosine');
    const pairs = (m: Matrix) => Float64Array.from({ length: 66 }, (_, k) => {
      let i = 1;
      let kk = k;
      while (kk >= i) kk -= i++;
      return m.get(i, kk);
    });
    expect(spearman(pairs(chord), pairs(cosine))).toBeCloseTo(1, 12);
  });

  it('computes ranks with ties and the Spearman correlation', () => {
    expect(Array.from(ranks(Float64Array.from([10, 30, 20, 30])))).toEqual([1, 3.5, 2, 3.5]);
    const x = Float64Array.from([1, 2, 3, 4, 5]);
    expect(spearman(x, Float64Array.from([2, 4, 9, 16, 100]))).toBeCloseTo(1, 12);
    expect(spearman(x, Float64Array.from([5, 4, 3, 2, 1]))).toBeCloseTo(-1, 12);
    expect(spearman(x, Float64Array.from([1, 3, 2, 5, 4]))).toBeCloseTo(0.8, 12);
    expect(Number.isNaN(spearman(x, Float64Array.from([1, 1, 1, 1, 1])))).toBe(true);
  });

  it('gives a rank correlation of 1 for points that lie in a plane, and less for a cloud', () => {
    const flat = randomPoints(30, 2, 'flat').map((p) => Float32Array.from([p[0]!, p[1]!, 0, 0]));
    const D = dissimilarityMatrix(flat, 'euclidean');
    expect(mapRankCorrelation(D, classicalMds(D, 2).coords)).toBeCloseTo(1, 9);
    const cloud = dissimilarityMatrix(randomPoints(60, 50, 'cloud'), 'chord');
    const rho = mapRankCorrelation(cloud, classicalMds(cloud, 2).coords);
    expect(rho).toBeGreaterThan(0);
    expect(rho).toBeLessThan(0.7);
  });
});
