// Corollary 1, checked exactly: a regression net with more weights K than equations N x C,
// fitted to zero squared loss, has a Hessian of rank at most N x C there, so at least K - N x C
// directions along which the loss is flat to second order. The Gauss-Newton matrix J^T J has
// rank <= N x C at every point by its shape; the Hessian does only where the residuals vanish,
// which is what the check measures (at the random start it is of much higher rank).
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Rng } from '../../engine/random.ts';
import type { CorollarySettings } from '../../profiles/flat-minima.ts';
import { activation, gaussNewton, hessian, jacobian, loss, residuals, weightCount, type RegressionProblem } from './regression-net.ts';

/** An eigenvalue counts toward the numerical rank above this share of the largest one. */
export const RANK_TOLERANCE = 1e-6;

export interface CorollaryResult {
  settings: CorollarySettings;
  activation: string;
  /** K */
  weights: number;
  /** N x C */
  equations: number;
  lossAtStart: number;
  /** the loss after each accepted Levenberg-Marquardt step */
  lossHistory: number[];
  finalLoss: number;
  /** eigenvalues, largest magnitude first */
  hessian: number[];
  gaussNewton: number[];
  hessianAtStart: number[];
  rank: { hessian: number; gaussNewton: number; hessianAtStart: number };
}

export function problemOf(s: CorollarySettings, seed: number): RegressionProblem {
  const rng = new Rng(seed, s.seedOffset, 'corollary-1', 'data');
  const x = Float64Array.from({ length: s.samples * s.inputDim }, () => rng.normal());
  const y = Float64Array.from({ length: s.samples * s.outputs }, () => rng.normal());
  return { x, y, samples: s.samples, inputDim: s.inputDim, hidden: s.hidden, outputs: s.outputs };
}

function startOf(p: RegressionProblem, s: CorollarySettings, seed: number): Float64Array {
  const rng = new Rng(seed, s.seedOffset, 'corollary-1', 'init');
  const hiddenScale = 1 / Math.sqrt(p.inputDim + 1);
  const outputScale = 1 / Math.sqrt(p.hidden + 1);
  const split = p.hidden * (p.inputDim + 1);
  return Float64Array.from({ length: weightCount(p) }, (_, i) => rng.normal() * (i < split ? hiddenScale : outputScale));
}

/**
 * Levenberg-Marquardt in its dual form (N C equations, K > N C unknowns): the step
 * J^T (J J^T + mu I)^-1 r, the damping halved after a step that lowers the loss and raised
 * fourfold after one that does not.
 */
export function fit(p: RegressionProblem, theta0: Float64Array, s: CorollarySettings): { theta: Float64Array; history: number[] } {
  let theta = Float64Array.from(theta0);
  let r = residuals(p, theta);
  let current = loss(r);
  let mu = 1e-3;
  const history: number[] = [];
  for (let it = 0; it < s.maxIterations && current > s.targetLoss; it++) {
    const J = jacobian(p, theta);
    const JJt = J.mmul(J.transpose());
    for (let i = 0; i < JJt.rows; i++) JJt.set(i, i, JJt.get(i, i) + mu);
    const z = new CholeskyDecomposition(JJt).solve(Matrix.columnVector(Array.from(r)));
    const step = J.transpose().mmul(z).to1DArray();
    const next = theta.map((t, i) => t - step[i]!);
    const rNext = residuals(p, next);
    const lNext = loss(rNext);
    if (Number.isFinite(lNext) && lNext < current) {
      theta = next;
      r = rNext;
      current = lNext;
      mu = Math.max(mu / 2, 1e-15);
      history.push(current);
    } else {
      mu *= 4;
      if (mu > 1e12) break;
    }
  }
  return { theta, history };
}

/** Eigenvalues of a symmetric matrix, largest magnitude first. */
export function spectrum(M: Matrix): number[] {
  const e = new EigenvalueDecomposition(M, { assumeSymmetric: true });
  return [...e.realEigenvalues].sort((a, b) => Math.abs(b) - Math.abs(a));
}

/** How many eigenvalues exceed RANK_TOLERANCE x the largest magnitude. */
export function numericalRank(eigenvalues: number[]): number {
  const top = Math.abs(eigenvalues[0] ?? 0);
  if (!(top > 0)) return 0;
  return eigenvalues.filter((v) => Math.abs(v) > RANK_TOLERANCE * top).length;
}

export function checkCorollary(s: CorollarySettings, seed: number): CorollaryResult {
  const p = problemOf(s, seed);
  const start = startOf(p, s, seed);
  const { theta, history } = fit(p, start, s);
  const H = spectrum(hessian(p, theta));
  const GN = spectrum(gaussNewton(jacobian(p, theta)));
  const H0 = spectrum(hessian(p, start));
  return {
    settings: s,
    activation: activation.formula,
    weights: weightCount(p),
    equations: p.samples * p.outputs,
    lossAtStart: loss(residuals(p, start)),
    lossHistory: history,
    finalLoss: loss(residuals(p, theta)),
    hessian: H,
    gaussNewton: GN,
    hessianAtStart: H0,
    rank: { hessian: numericalRank(H), gaussNewton: numericalRank(GN), hessianAtStart: numericalRank(H0) },
  };
}
