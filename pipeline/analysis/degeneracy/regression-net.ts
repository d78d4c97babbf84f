// The smallest setting of Corollary 1: a regression net with one hidden layer,
//   f(x) = B [sigma(A [x; 1]); 1],   A: h x (d + 1),  B: C x (h + 1),
// K = h (d + 1) + C (h + 1) weights, fitted to N samples with C outputs each by the squared loss
// L = 1/2 sum (f(x_n) - y_n)^2. Its activation is a polynomial (the paper's theory is exact for
// polynomial nets): the least-squares quadratic approximation of ReLU on [-1, 1]. Everything is
// in double precision and exact: outputs, the Jacobian of the N x C outputs, and the Hessian of
// the loss as Gauss-Newton term J^T J plus the residual term sum r_nc Hess f_c(x_n).
import { Matrix } from 'ml-matrix';

/** sigma(z) = 3/32 + z/2 + 15 z^2 / 32: ReLU's best quadratic on [-1, 1] in the L2 sense. */
export const activation = {
  value: (z: number) => 3 / 32 + z / 2 + (15 / 32) * z * z,
  slope: (z: number) => 1 / 2 + (15 / 16) * z,
  curvature: () => 15 / 16,
  formula: 'σ(z) = 3/32 + z/2 + 15z²/32',
};

export interface RegressionProblem {
  /** N x d inputs and N x C targets, row-major */
  x: Float64Array;
  y: Float64Array;
  samples: number;
  inputDim: number;
  hidden: number;
  outputs: number;
}

export function weightCount(p: Pick<RegressionProblem, 'inputDim' | 'hidden' | 'outputs'>): number {
  return p.hidden * (p.inputDim + 1) + p.outputs * (p.hidden + 1);
}

interface Forward {
  /** pre-activations u (N x h) and outputs f (N x C) */
  u: Float64Array;
  f: Float64Array;
}

function forward(p: RegressionProblem, theta: Float64Array): Forward {
  const { samples: N, inputDim: d, hidden: h, outputs: C } = p;
  const bOffset = h * (d + 1);
  const u = new Float64Array(N * h);
  const f = new Float64Array(N * C);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < h; j++) {
      let s = theta[j * (d + 1) + d]!;
      for (let k = 0; k < d; k++) s += theta[j * (d + 1) + k]! * p.x[n * d + k]!;
      u[n * h + j] = s;
    }
    for (let c = 0; c < C; c++) {
      let s = theta[bOffset + c * (h + 1) + h]!;
      for (let j = 0; j < h; j++) s += theta[bOffset + c * (h + 1) + j]! * activation.value(u[n * h + j]!);
      f[n * C + c] = s;
    }
  }
  return { u, f };
}

/** f(x_n) - y_n for every sample and output, row-major (N x C). */
export function residuals(p: RegressionProblem, theta: Float64Array): Float64Array {
  const { f } = forward(p, theta);
  return f.map((v, i) => v - p.y[i]!);
}

export function loss(r: Float64Array): number {
  let s = 0;
  for (const v of r) s += v * v;
  return s / 2;
}

/** The Jacobian of the N x C outputs with respect to the K weights: an (N C) x K matrix. */
export function jacobian(p: RegressionProblem, theta: Float64Array): Matrix {
  const { samples: N, inputDim: d, hidden: h, outputs: C } = p;
  const K = weightCount(p);
  const bOffset = h * (d + 1);
  const { u } = forward(p, theta);
  const J = new Matrix(N * C, K);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const row = n * C + c;
      for (let j = 0; j < h; j++) {
        const uj = u[n * h + j]!;
        // through the hidden unit j: B[c, j] sigma'(u_j) [x; 1]_k
        const g = theta[bOffset + c * (h + 1) + j]! * activation.slope(uj);
        for (let k = 0; k < d; k++) J.set(row, j * (d + 1) + k, g * p.x[n * d + k]!);
        J.set(row, j * (d + 1) + d, g);
        // the output weights of row c: the hidden unit's value
        J.set(row, bOffset + c * (h + 1) + j, activation.value(uj));
      }
      J.set(row, bOffset + c * (h + 1) + h, 1);
    }
  }
  return J;
}

/** The Gauss-Newton matrix J^T J (K x K). */
export function gaussNewton(J: Matrix): Matrix {
  return J.transpose().mmul(J);
}

/**
 * The Hessian of L: J^T J + sum_nc r_nc Hess f_c(x_n). The second derivatives of f_c are
 * nonzero only between two weights into the same hidden unit j (B[c, j] sigma'' x_k x_l) and
 * between a weight into unit j and the weight B[c, j] out of it (sigma'(u_j) x_k).
 */
export function hessian(p: RegressionProblem, theta: Float64Array): Matrix {
  const { samples: N, inputDim: d, hidden: h, outputs: C } = p;
  const bOffset = h * (d + 1);
  const J = jacobian(p, theta);
  const H = gaussNewton(J);
  const { u, f } = forward(p, theta);
  const xt = (n: number, k: number) => (k === d ? 1 : p.x[n * d + k]!);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const r = f[n * C + c]! - p.y[n * C + c]!;
      for (let j = 0; j < h; j++) {
        const bcj = bOffset + c * (h + 1) + j;
        const second = r * theta[bcj]! * activation.curvature();
        const first = r * activation.slope(u[n * h + j]!);
        for (let k = 0; k <= d; k++) {
          const a = j * (d + 1) + k;
          for (let l = 0; l <= d; l++) H.set(a, j * (d + 1) + l, H.get(a, j * (d + 1) + l) + second * xt(n, k) * xt(n, l));
          H.set(a, bcj, H.get(a, bcj) + first * xt(n, k));
          H.set(bcj, a, H.get(bcj, a) + first * xt(n, k));
        }
      }
    }
  }
  return H;
}
