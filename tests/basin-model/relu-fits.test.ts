import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { evaluateFit, fitRelu, gaussLegendre, legendreValues, relu } from '../../pipeline/analysis/relu-fits.ts';
import { readJson } from '../../pipeline/artifacts.ts';
import { RELU_FITS_FILE, type ReluFitsArtifact } from '../../pipeline/analysis/relu-fits-step.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import { reluFitsArtifact } from './smoke-artifacts.ts';

const { a, degrees } = getProfile('smoke').reluFits;

/** P_n(0): zero for odd n, (-1)^m (2m)! / (4^m (m!)^2) for n = 2m. */
function legendreAtZero(n: number): number {
  if (n % 2 === 1) return 0;
  let v = 1;
  for (let j = 1; j <= n / 2; j++) v *= -(2 * j - 1) / (2 * j);
  return v;
}

/**
 * Closed form of c_k = (2k + 1)/2 * a * int_0^1 t P_k(t) dt, from t P_k = ((k+1) P_{k+1} + k P_{k-1}) / (2k+1)
 * and int_0^1 P_n = (P_{n-1}(0) - P_{n+1}(0)) / (2n + 1) for n >= 1 (and 1 for n = 0).
 */
function closedFormCoefficient(k: number): number {
  const integralP = (n: number): number => (n === 0 ? 1 : (legendreAtZero(n - 1) - legendreAtZero(n + 1)) / (2 * n + 1));
  const moment = k === 0 ? 0.5 : ((k + 1) * integralP(k + 1) + k * integralP(k - 1)) / (2 * k + 1);
  return ((2 * k + 1) / 2) * a * moment;
}

describe('polynomial approximations of ReLU', () => {
  it('has Gauss-Legendre rules that integrate polynomials exactly', () => {
    const { nodes, weights } = gaussLegendre(9);
    for (let p = 0; p <= 17; p++) {
      const q = nodes.reduce((s, x, i) => s + weights[i]! * Math.pow(x, p), 0);
      expect(q).toBeCloseTo(p % 2 === 1 ? 0 : 2 / (p + 1), 13);
    }
  });

  it('matches the closed-form projection coefficients', () => {
    for (const degree of degrees) {
      const fit = fitRelu(a, degree, 2000);
      fit.legendre.forEach((c, k) => expect(Math.abs(c - closedFormCoefficient(k))).toBeLessThan(1e-13));
    }
  });

  it('agrees with least squares on a dense grid solved by ml-matrix', () => {
    // the discrete problem on N midpoints tends to the continuous one as N grows
    const N = 40000;
    for (const degree of [4, 16]) {
      const rows: number[][] = [];
      const rhs: number[][] = [];
      for (let i = 0; i < N; i++) {
        const x = -a + ((i + 0.5) * 2 * a) / N;
        rows.push(legendreValues(degree, x / a));
        rhs.push([relu(x)]);
      }
      const coef = solve(new Matrix(rows), new Matrix(rhs), true).getColumn(0);
      const fit = fitRelu(a, degree, 2000);
      coef.forEach((c, k) => expect(Math.abs(c - fit.legendre[k]!)).toBeLessThan(1e-6));
    }
  });

  it('gives the same polynomial in monomial and Legendre form', () => {
    for (const degree of degrees) {
      const fit = fitRelu(a, degree, 2000);
      for (let i = 0; i <= 60; i++) {
        const x = -a + (2 * a * i) / 60;
        const power = fit.monomial.reduce((s, c, j) => s + c * Math.pow(x, j), 0);
        expect(Math.abs(power - evaluateFit(fit.legendre, a, x)[0])).toBeLessThan(1e-9);
      }
    }
  });

  it('finds the exact sup-norm error: no dense sample exceeds it, and it is attained', () => {
    const M = 400000;
    for (const degree of degrees) {
      const fit = fitRelu(a, degree, 4000);
      let dense = 0;
      for (let i = 0; i <= M; i++) {
        const x = -a + (2 * a * i) / M;
        dense = Math.max(dense, Math.abs(relu(x) - evaluateFit(fit.legendre, a, x)[0]));
      }
      expect(dense).toBeLessThanOrEqual(fit.supError + 1e-12);
      expect(Math.abs(relu(fit.supAt) - evaluateFit(fit.legendre, a, fit.supAt)[0])).toBeCloseTo(fit.supError, 14);
      // a dense grid that contains the maximiser reaches it
      expect(dense).toBeGreaterThan(fit.supError - 1e-9);
    }
  });

  it('has a sup-norm error that falls as the degree rises (computed by the step)', async () => {
    const ref = await reluFitsArtifact('smoke');
    const art = await readJson<ReluFitsArtifact>(ref, RELU_FITS_FILE);
    const errors = [...art.fits].sort((x, y) => x.degree - y.degree).map((f) => f.supError);
    expect(art.fits.map((f) => f.degree)).toEqual(degrees);
    for (let i = 1; i < errors.length; i++) expect(errors[i]!).toBeLessThan(errors[i - 1]!);
    // degree 2 by hand: c = (a/4, a/2, 5a/16), largest error at the kink, |p(0)| = a/4 - 5a/32
    expect(art.fits[0]!.supError).toBeCloseTo((3 * a) / 32, 14);
    expect(art.curves.x).toHaveLength(getProfile('smoke').reluFits.curvePoints);
  });
});
