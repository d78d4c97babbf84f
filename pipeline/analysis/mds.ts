// Classical (Torgerson) multidimensional scaling.
//
// Every trajectory figure places saved models in the plane: each model is a point whose coordinates
// are the flattened weights of one layer, and the picture is the 2-D classical MDS of the pairwise
// dissimilarities. Classical MDS assumes Euclidean distances. 1 - cos of two weight vectors is
// not one: it is half the squared distance between the unit vectors, so embedding it directly
// gives negative eigenvalues. The chord distance sqrt(2 (1 - cos)), the distance between the unit
// vectors, is Euclidean and keeps the same order of pairs; it is the default. 1 - cos and the plain
// Euclidean distance are options.
//
// The inputs are wide (up to ~1000 points of up to ~200k dimensions) but the number of points is
// small, so everything goes through the n x n Gram matrix: one pass of dot products over the data,
// never anything d x d. The eigendecomposition of the double-centred n x n matrix uses ml-matrix.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** 'chord': sqrt(2 (1 - cos)); 'cosine': 1 - cos; 'euclidean': the distance of the raw vectors */
export type Dissimilarity = 'chord' | 'cosine' | 'euclidean';

/** One point per row; Float32Array is the usual case (flattened layer weights). */
export type Points = ReadonlyArray<ArrayLike<number>>;

export interface MdsOptions {
  /** number of output dimensions (default 2) */
  dims?: number;
  /** default 'chord', the Euclidean form of the paper's 1 - cosine similarity */
  dissimilarity?: Dissimilarity;
  /** called after each block of input dimensions while the Gram matrix is built */
  onProgress?: (done: number, total: number) => void;
}

export interface MdsResult {
  /** n rows of `dims` coordinates */
  coords: number[][];
  /**
   * The whole spectrum of the double-centred matrix, largest first (n values). Negative values
   * mean the dissimilarities are not exactly Euclidean (usual for 1 - cosine).
   */
  eigenvalues: number[];
  /** share of the positive spectrum carried by the kept axes, in [0, 1] */
  explained: number;
  /** the same per kept axis */
  explainedPerAxis: number[];
}

// Columns of the input handled per pass: the packed block (n x BLOCK doubles) should stay in cache.
const BLOCK = 512;
// Register tile: 4 rows against 4 rows, 16 accumulators; about 2.5x faster than one dot at a time.
const TILE = 4;

/**
 * The n x n Gram matrix X X^T of the rows, accumulated in double precision. With `centre`, the
 * mean row is subtracted first: Euclidean distances do not change, and the dot products no longer
 * lose digits to a large common offset (weights of neighbouring snapshots share most of their
 * value).
 */
export function gramMatrix(points: Points, options: { centre?: boolean; onProgress?: (done: number, total: number) => void } = {}): Float64Array {
  const n = points.length;
  const d = checkPoints(points);
  const mean = new Float64Array(d);
  if (options.centre) {
    for (const p of points) for (let k = 0; k < d; k++) mean[k] += p[k];
    for (let k = 0; k < d; k++) mean[k] /= n;
  }

  // pad the row count to a multiple of the tile; the padding rows stay zero and are never read back
  const rows = Math.ceil(n / TILE) * TILE;
  const G = new Float64Array(rows * rows);
  const buf = new Float64Array(rows * BLOCK);
  for (let c0 = 0; c0 < d; c0 += BLOCK) {
    const len = Math.min(BLOCK, d - c0);
    for (let i = 0; i < n; i++) {
      const p = points[i];
      const o = i * BLOCK;
      for (let k = 0; k < len; k++) buf[o + k] = p[c0 + k] - mean[c0 + k];
    }
    accumulateBlock(buf, len, rows, G);
    options.onProgress?.(Math.min(c0 + BLOCK, d), d);
  }

  // the tiles filled the lower triangle (and the diagonal tiles fully); mirror it into an n x n result
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = G[i * rows + j];
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
  return out;
}

/** Adds the dot products of one packed block of columns into the lower triangle of G (rows x rows). */
function accumulateBlock(buf: Float64Array, len: number, rows: number, G: Float64Array): void {
  const B = BLOCK;
  for (let i = 0; i < rows; i += TILE) {
    const p0 = i * B, p1 = p0 + B, p2 = p1 + B, p3 = p2 + B;
    for (let j = 0; j <= i; j += TILE) {
      const q0 = j * B, q1 = q0 + B, q2 = q1 + B, q3 = q2 + B;
      let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
      let a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
      for (let k = 0; k < len; k++) {
        const x0 = buf[p0 + k], x1 = buf[p1 + k], x2 = buf[p2 + k], x3 = buf[p3 + k];
        const y0 = buf[q0 + k], y1 = buf[q1 + k], y2 = buf[q2 + k], y3 = buf[q3 + k];
        a00 += x0 * y0; a01 += x0 * y1; a02 += x0 * y2; a03 += x0 * y3;
        a10 += x1 * y0; a11 += x1 * y1; a12 += x1 * y2; a13 += x1 * y3;
        a20 += x2 * y0; a21 += x2 * y1; a22 += x2 * y2; a23 += x2 * y3;
        a30 += x3 * y0; a31 += x3 * y1; a32 += x3 * y2; a33 += x3 * y3;
      }
      let r = i * rows + j;
      G[r] += a00; G[r + 1] += a01; G[r + 2] += a02; G[r + 3] += a03;
      r += rows;
      G[r] += a10; G[r + 1] += a11; G[r + 2] += a12; G[r + 3] += a13;
      r += rows;
      G[r] += a20; G[r + 1] += a21; G[r + 2] += a22; G[r + 3] += a23;
      r += rows;
      G[r] += a30; G[r + 1] += a31; G[r + 2] += a32; G[r + 3] += a33;
    }
  }
}

function checkPoints(points: Points): number {
  if (points.length === 0) throw new Error('MDS needs at least one point');
  const d = points[0].length;
  if (d === 0) throw new Error('MDS points have no coordinates');
  points.forEach((p, i) => {
    if (p.length !== d) throw new Error(`MDS point ${i} has ${p.length} coordinates, point 0 has ${d}`);
  });
  return d;
}

/**
 * The n x n dissimilarity matrix of the rows: 'chord' gives sqrt(2 (1 - cos)) (in [0, 2]),
 * 'cosine' gives 1 - cos(angle) (in [0, 2]), 'euclidean' the distance.
 */
export function dissimilarityMatrix(
  points: Points,
  kind: Dissimilarity = 'chord',
  onProgress?: (done: number, total: number) => void,
): Matrix {
  const n = points.length;
  // cosine depends on the origin, so only the Euclidean case may be centred
  const G = gramMatrix(points, { centre: kind === 'euclidean', onProgress });
  const D = new Matrix(n, n);
  if (kind === 'cosine' || kind === 'chord') {
    const norm = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      norm[i] = Math.sqrt(G[i * n + i]);
      if (!(norm[i] > 0)) throw new Error(`cosine dissimilarity: point ${i} is the zero vector (or not finite)`);
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const cos = Math.max(-1, Math.min(1, G[i * n + j] / (norm[i] * norm[j])));
        const d = kind === 'chord' ? Math.sqrt(2 * (1 - cos)) : 1 - cos;
        D.set(i, j, d);
        D.set(j, i, d);
      }
    }
  } else if (kind === 'euclidean') {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        // rounding can push a tiny squared distance below zero
        const d2 = G[i * n + i] + G[j * n + j] - 2 * G[i * n + j];
        const dist = Math.sqrt(Math.max(0, d2));
        D.set(i, j, dist);
        D.set(j, i, dist);
      }
    }
  } else {
    throw new Error(`unknown dissimilarity '${String(kind)}' (expected 'chord', 'cosine' or 'euclidean')`);
  }
  return D;
}

/**
 * Classical MDS of a symmetric dissimilarity matrix: double-centre the squared dissimilarities,
 * B = -1/2 J D² J, and take the top `dims` eigenvectors of B scaled by the square roots of their
 * eigenvalues. Axes whose eigenvalue is not positive get zero coordinates.
 *
 * Each axis's sign is fixed so that its largest-magnitude coordinate is positive (the first such
 * point on near-ties), so the same configuration always comes out the same way round.
 */
export function classicalMds(dissimilarities: Matrix | number[][], dims = 2): MdsResult {
  const D = Matrix.isMatrix(dissimilarities) ? dissimilarities : new Matrix(dissimilarities);
  const n = D.rows;
  if (n === 0) throw new Error('MDS needs at least one point');
  if (D.columns !== n) throw new Error(`dissimilarity matrix must be square, got ${n} x ${D.columns}`);
  if (!Number.isInteger(dims) || dims < 1) throw new Error(`MDS dims must be a positive integer, got ${dims}`);

  let scale = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = D.get(i, j);
      if (!Number.isFinite(v)) throw new Error(`dissimilarity [${i}, ${j}] is not finite (${v})`);
      scale = Math.max(scale, Math.abs(v));
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(D.get(i, j) - D.get(j, i)) > 1e-9 * (scale || 1)) {
        throw new Error(`dissimilarity matrix is not symmetric at [${i}, ${j}]`);
      }
    }
  }

  // A = -1/2 D², then B = A - row means - column means + grand mean (symmetrised: the
  // eigensolver below assumes it)
  const A = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = 0.5 * (D.get(i, j) + D.get(j, i));
      A.set(i, j, -0.5 * v * v);
    }
  }
  const rowMean = new Float64Array(n);
  let grand = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A.get(i, j);
    rowMean[i] = s / n;
    grand += s;
  }
  grand /= n * n;
  const B = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) B.set(i, j, A.get(i, j) - rowMean[i] - rowMean[j] + grand);
  }

  const evd = new EigenvalueDecomposition(B, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  // do not rely on the solver's ordering
  const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
  const eigenvalues = order.map((i) => values[i]);

  const coords: number[][] = Array.from({ length: n }, () => new Array<number>(dims).fill(0));
  for (let a = 0; a < dims && a < n; a++) {
    const lambda = eigenvalues[a];
    if (!(lambda > 0)) continue;
    const col = order[a];
    const s = Math.sqrt(lambda) * axisSign(vectors, col, n);
    for (let i = 0; i < n; i++) coords[i][a] = vectors.get(i, col) * s;
  }

  const positive = eigenvalues.reduce((s, v) => s + Math.max(0, v), 0);
  const explainedPerAxis = Array.from({ length: dims }, (_, a) =>
    a < n && positive > 0 ? Math.max(0, eigenvalues[a]) / positive : 0,
  );
  const explained = explainedPerAxis.reduce((s, v) => s + v, 0);
  return { coords, eigenvalues, explained, explainedPerAxis };
}

/** +1 or -1 so that the eigenvector's largest-magnitude entry (first one on near-ties) is positive. */
function axisSign(vectors: Matrix, col: number, n: number): 1 | -1 {
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(vectors.get(i, col)));
  // a relative tolerance so that rounding in the solver cannot swap which of two equal entries wins
  const threshold = max * (1 - 1e-9);
  for (let i = 0; i < n; i++) {
    const v = vectors.get(i, col);
    if (Math.abs(v) >= threshold) return v < 0 ? -1 : 1;
  }
  return 1;
}

/** Dissimilarities of the rows, then classical MDS: the one call the figures need. */
export function mdsFromPoints(points: Points, options: MdsOptions = {}): MdsResult {
  const D = dissimilarityMatrix(points, options.dissimilarity ?? 'chord', options.onProgress);
  return classicalMds(D, options.dims ?? 2);
}
