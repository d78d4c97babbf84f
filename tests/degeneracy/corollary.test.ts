// Corollary 1 checked exactly on a small regression net: the derivatives it rests on agree with
// finite differences, a fit with K > N x C weights reaches zero loss where the Hessian has rank
// <= N x C, and the same check fails away from zero loss (so a pass is a measurement).
import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { checkCorollary, fit, numericalRank, problemOf, spectrum } from '../../pipeline/analysis/degeneracy/corollary.ts';
import { gaussNewton, hessian, jacobian, loss, residuals, weightCount } from '../../pipeline/analysis/degeneracy/regression-net.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import type { CorollarySettings } from '../../pipeline/profiles/flat-minima.ts';

const settings: CorollarySettings = { seedOffset: 1, samples: 6, inputDim: 3, hidden: 5, outputs: 2, maxIterations: 200, targetLoss: 1e-24 };
const SEED = 7;

function gradient(p: ReturnType<typeof problemOf>, theta: Float64Array): number[] {
  const J = jacobian(p, theta);
  return J.transpose().mmul(Matrix.columnVector(Array.from(residuals(p, theta)))).to1DArray();
}

describe('Corollary 1 on a small regression net', () => {
  const p = problemOf(settings, SEED);
  const K = weightCount(p);
  const theta = Float64Array.from({ length: K }, (_, i) => Math.sin(1.7 * i + 0.3));

  it('has an exact Jacobian and Hessian (central differences agree)', () => {
    const h = 1e-6;
    const J = jacobian(p, theta);
    const H = hessian(p, theta);
    for (let q = 0; q < K; q++) {
      const plus = Float64Array.from(theta);
      const minus = Float64Array.from(theta);
      plus[q] += h;
      minus[q] -= h;
      const [rp, rm] = [residuals(p, plus), residuals(p, minus)];
      for (let row = 0; row < rp.length; row++) expect(J.get(row, q)).toBeCloseTo((rp[row]! - rm[row]!) / (2 * h), 5);
      const [gp, gm] = [gradient(p, plus), gradient(p, minus)];
      for (let r = 0; r < K; r++) expect(H.get(r, q)).toBeCloseTo((gp[r]! - gm[r]!) / (2 * h), 4);
    }
  });

  it('fits K > N x C weights to zero loss, where the Hessian has rank <= N x C and equals J^T J', () => {
    const result = checkCorollary(settings, SEED);
    expect(result.weights).toBe(K);
    expect(result.weights).toBeGreaterThan(result.equations);
    expect(result.finalLoss).toBeLessThan(1e-20);
    expect(result.rank.hessian).toBeLessThanOrEqual(result.equations);
    expect(result.rank.gaussNewton).toBeLessThanOrEqual(result.equations);
    result.hessian.forEach((v, i) => expect(Math.abs(v - result.gaussNewton[i]!)).toBeLessThan(1e-8 * Math.abs(result.hessian[0]!)));
  });

  it('fails the same check away from zero loss: the Hessian then has rank above N x C', () => {
    const result = checkCorollary(settings, SEED);
    expect(result.lossAtStart).toBeGreaterThan(0.1);
    expect(result.rank.hessianAtStart).toBeGreaterThan(result.equations);
    // stopped early, the fit is not at zero and its Hessian is not degenerate to rank N x C
    const early = fit(p, theta, { ...settings, maxIterations: 1 });
    expect(loss(residuals(p, early.theta))).toBeGreaterThan(1e-6);
    expect(numericalRank(spectrum(hessian(p, early.theta)))).toBeGreaterThan(p.samples * p.outputs);
    // while J^T J is rank-limited anywhere, by its shape
    expect(numericalRank(spectrum(gaussNewton(jacobian(p, early.theta))))).toBeLessThanOrEqual(p.samples * p.outputs);
  });

  it('holds with the profiles\' settings', () => {
    const result = checkCorollary(getProfile('paper').flatMinima.corollary, getProfile('paper').seed);
    expect(result.weights).toBeGreaterThan(result.equations);
    expect(result.rank.hessian).toBeLessThanOrEqual(result.equations);
  });
});
