// The spread of the retrained copies around M_final, as a spectrum: the displacements w_i - M_final
// of the converged copies (all layers in one vector) are the rows of D, and the eigenvalues of
// D D^T are the variances of their principal components around M_final. Copies that all came back
// along one valley would give one large eigenvalue; copies spread over a wide zero-error set give
// as many comparable ones as there are copies.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { flattenAll } from '../../engine/weights.ts';
import { gramMatrix } from '../mds.ts';
import type { Weights } from '../../engine/net.ts';

export interface CopySpectrum {
  /** the noise level of the copies, or 'all' for every copy together */
  k: number | 'all';
  copies: number;
  /** eigenvalues of D D^T, largest first */
  eigenvalues: number[];
  /** (sum lambda)^2 / sum lambda^2: how many directions the spread effectively takes */
  participation: number;
  /** ||w_i - M_final|| / ||M_final|| of each copy */
  relativeDistance: number[];
}

export function copySpectrum(k: number | 'all', centre: Weights, copies: Weights[]): CopySpectrum {
  const c = flattenAll(centre);
  const displacements = copies.map((w) => {
    const v = flattenAll(w);
    return Float64Array.from(v, (x, i) => x - c[i]!);
  });
  const n = displacements.length;
  const G = gramMatrix(displacements);
  const M = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M.set(i, j, G[i * n + j]!);
  const eigenvalues = [...new EigenvalueDecomposition(M, { assumeSymmetric: true }).realEigenvalues].map((v) => Math.max(0, v)).sort((a, b) => b - a);
  const sum = eigenvalues.reduce((a, b) => a + b, 0);
  const squares = eigenvalues.reduce((a, b) => a + b * b, 0);
  const norm = Math.sqrt(c.reduce((a, x) => a + x * x, 0));
  return {
    k,
    copies: n,
    eigenvalues,
    participation: squares > 0 ? (sum * sum) / squares : 0,
    relativeDistance: displacements.map((d) => Math.sqrt(d.reduce((a, x) => a + x * x, 0)) / norm),
  };
}
