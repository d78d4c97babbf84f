import { describe, expect, it } from 'vitest';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { classicalMds, dissimilarityMatrix, gramMatrix, mdsFromPoints } from '../../pipeline/analysis/mds.ts';

// a small deterministic generator so the tests do not depend on Math.random
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomPoints(n: number, d: number, seed: number): number[][] {
  const rnd = lcg(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rnd() * 2 - 1));
}

function euclideanMatrix(points: number[][]): number[][] {
  return points.map((p) => points.map((q) => Math.hypot(...p.map((v, k) => v - q[k]))));
}

function centred(m: Matrix): Matrix {
  const means = m.mean('column');
  return m.clone().subRowVector(means);
}

/** Largest coordinate error after the best rotation / reflection of `y` onto `x` (both centred). */
function procrustesError(x: number[][], y: number[][]): number {
  const X = centred(new Matrix(x));
  const Y = centred(new Matrix(y));
  const svd = new SingularValueDecomposition(Y.transpose().mmul(X));
  const R = svd.leftSingularVectors.mmul(svd.rightSingularVectors.transpose());
  return Y.mmul(R).sub(X).abs().max();
}

describe('classical MDS', () => {
  it('recovers a 2-D configuration from its Euclidean distances, up to rotation and reflection', () => {
    const truth = randomPoints(30, 2, 7);
    const result = classicalMds(euclideanMatrix(truth), 2);
    expect(result.coords).toHaveLength(30);
    expect(procrustesError(truth, result.coords)).toBeLessThan(1e-6);
    // planar data: two positive eigenvalues, the rest zero up to rounding
    expect(result.eigenvalues).toHaveLength(30);
    expect(result.eigenvalues[1]).toBeGreaterThan(0);
    for (const v of result.eigenvalues.slice(2)) expect(Math.abs(v)).toBeLessThan(1e-9);
    expect(result.explained).toBeCloseTo(1, 9);
    expect(result.explainedPerAxis[0]).toBeGreaterThanOrEqual(result.explainedPerAxis[1]);

    // a rotated and reflected copy has the same distances, so the same picture
    const a = 0.8;
    const moved = truth.map(([x, y]) => [Math.cos(a) * x + Math.sin(a) * y + 3, Math.sin(a) * x - Math.cos(a) * y - 1]);
    const again = classicalMds(euclideanMatrix(moved), 2);
    expect(procrustesError(truth, again.coords)).toBeLessThan(1e-6);
    for (let i = 0; i < 30; i++) {
      expect(again.coords[i][0]).toBeCloseTo(result.coords[i][0], 8);
      expect(again.coords[i][1]).toBeCloseTo(result.coords[i][1], 8);
    }
  });

  it('recovers a configuration from wide points (Euclidean dissimilarity from the Gram matrix)', () => {
    // 30 points on a plane embedded in 1000 dimensions, far from the origin
    const plane = randomPoints(30, 2, 11);
    const rnd = lcg(3);
    const u = Array.from({ length: 1001 }, () => rnd() - 0.5);
    const v = Array.from({ length: 1001 }, () => rnd() - 0.5);
    const offset = Array.from({ length: 1001 }, () => 50 * (rnd() - 0.5));
    // orthonormalise u, v so that plane distances are kept
    const dot = (p: number[], q: number[]) => p.reduce((s, x, k) => s + x * q[k], 0);
    const nu = Math.sqrt(dot(u, u));
    const un = u.map((x) => x / nu);
    const proj = dot(v, un);
    const vo = v.map((x, k) => x - proj * un[k]);
    const nv = Math.sqrt(dot(vo, vo));
    const vn = vo.map((x) => x / nv);
    const points = plane.map(([a, b]) => Float64Array.from(offset, (o, k) => o + a * un[k] + b * vn[k]));
    const result = mdsFromPoints(points, { dissimilarity: 'euclidean' });
    expect(procrustesError(plane, result.coords)).toBeLessThan(1e-6);
  });

  it('computes 1 - cosine similarity correctly', () => {
    const points = [
      new Float32Array([1, 0, 0]),
      new Float32Array([0, 2, 0]),
      new Float32Array([3, 3, 0]),
      new Float32Array([-1, 0, 0]),
      new Float32Array([1, 1, 1]),
    ];
    const D = dissimilarityMatrix(points, 'cosine');
    expect(D.get(0, 1)).toBeCloseTo(1, 12); // orthogonal
    expect(D.get(0, 2)).toBeCloseTo(1 - Math.SQRT1_2, 12); // 45 degrees, scale does not matter
    expect(D.get(0, 3)).toBeCloseTo(2, 12); // opposite
    expect(D.get(0, 4)).toBeCloseTo(1 - 1 / Math.sqrt(3), 12);
    expect(D.get(2, 4)).toBeCloseTo(1 - 2 / Math.sqrt(6), 12);
    for (let i = 0; i < 5; i++) {
      expect(D.get(i, i)).toBe(0);
      for (let j = 0; j < 5; j++) expect(D.get(i, j)).toBe(D.get(j, i));
    }
    expect(() => dissimilarityMatrix([new Float32Array([0, 0]), new Float32Array([1, 0])], 'cosine')).toThrow(/zero vector/);
  });

  it('matches a direct Gram matrix on sizes that are not a multiple of the tile or block', () => {
    const pts = randomPoints(7, 1300, 5).map((p) => Float32Array.from(p));
    const G = gramMatrix(pts);
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 7; j++) {
        let s = 0;
        for (let k = 0; k < 1300; k++) s += pts[i][k] * pts[j][k];
        expect(G[i * 7 + j]).toBeCloseTo(s, 9);
      }
    }
  });

  it('gives deterministic signs: the largest-magnitude coordinate of each axis is positive', () => {
    const pts = randomPoints(40, 20, 9).map((p) => Float32Array.from(p));
    const a = mdsFromPoints(pts, { dims: 3 });
    const b = mdsFromPoints(pts.map((p) => p.slice()), { dims: 3 });
    expect(b.coords).toEqual(a.coords);
    for (let axis = 0; axis < 3; axis++) {
      const col = a.coords.map((c) => c[axis]);
      const biggest = col.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0);
      expect(biggest).toBeGreaterThan(0);
    }
  });

  it('handles small and degenerate inputs', () => {
    expect(classicalMds([[0]], 2).coords).toEqual([[0, 0]]);
    const two = classicalMds([[0, 2], [2, 0]], 2);
    expect(Math.abs(two.coords[0][0] - two.coords[1][0])).toBeCloseTo(2, 12);
    expect(two.coords[0][1]).toBe(0);
    expect(two.explained).toBeCloseTo(1, 12);
    expect(() => classicalMds([[0, 1], [2, 0]])).toThrow(/not symmetric/);
    expect(() => classicalMds([[0, 1, 2], [1, 0, 1]])).toThrow(/square/);
    expect(() => mdsFromPoints([new Float32Array(3), new Float32Array(4)])).toThrow(/coordinates/);
  });
});
