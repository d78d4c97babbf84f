// Least-squares polynomial approximations of ReLU on [-a, a] in the Legendre basis.
//
// The fit of degree n minimises the integral of (ReLU(x) - p(x))^2 over [-a, a] (uniform weight).
// In t = x / a the Legendre polynomials are orthogonal, so the solution is the projection
//     p(x) = sum_k c_k P_k(x / a),   c_k = (2k + 1) / 2 * a * integral_0^1 t P_k(t) dt,
// and since t * P_k(t) is a polynomial of degree k + 1 on [0, 1], Gauss-Legendre quadrature with
// m nodes on [0, 1] computes every c_k with k + 1 <= 2m - 1 exactly (up to rounding): no
// normal equations, no conditioning issue, whatever the degree.
//
// The sup-norm error is found exactly on each half, where the error is a polynomial: its
// critical points are bracketed on a dense grid (a sign change of the derivative) and refined by
// bisection to machine precision, and the maximum of |error| over them, the ends and the kink at
// 0 is the sup norm.

export interface ReluFit {
  degree: number;
  /** coefficients of P_0(x / a) .. P_n(x / a) */
  legendre: number[];
  /** coefficients of x^0 .. x^n */
  monomial: number[];
  /** max over [-a, a] of |ReLU(x) - p(x)|, and where it is attained */
  supError: number;
  supAt: number;
  /** root mean square of the error over [-a, a] (from Parseval) */
  rmsError: number;
}

/** Gauss-Legendre nodes and weights on [-1, 1] (Newton's method on P_m from Chebyshev guesses). */
export function gaussLegendre(m: number): { nodes: number[]; weights: number[] } {
  const nodes: number[] = new Array(m);
  const weights: number[] = new Array(m);
  for (let i = 0; i < Math.ceil(m / 2); i++) {
    let t = Math.cos((Math.PI * (i + 0.75)) / (m + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      const [p, d] = legendreAndSlope(m, t);
      dp = d;
      const step = p / d;
      t -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    dp = legendreAndSlope(m, t)[1];
    const w = 2 / ((1 - t * t) * dp * dp);
    nodes[i] = -t;
    nodes[m - 1 - i] = t;
    weights[i] = w;
    weights[m - 1 - i] = w;
  }
  return { nodes, weights };
}

/** P_m(t) and P_m'(t) by the three-term recurrence. */
function legendreAndSlope(m: number, t: number): [number, number] {
  let p0 = 1;
  let p1 = t;
  if (m === 0) return [1, 0];
  for (let k = 1; k < m; k++) {
    const p2 = ((2 * k + 1) * t * p1 - k * p0) / (k + 1);
    p0 = p1;
    p1 = p2;
  }
  // P_m' = m (t P_m - P_{m-1}) / (t^2 - 1), valid inside (-1, 1)
  return [p1, (m * (t * p1 - p0)) / (t * t - 1)];
}

/** P_0(t) .. P_n(t). */
export function legendreValues(n: number, t: number): number[] {
  const p = [1, t];
  for (let k = 1; k < n; k++) p.push(((2 * k + 1) * t * p[k]! - k * p[k - 1]!) / (k + 1));
  return p.slice(0, n + 1);
}

/**
 * The Legendre coefficients of the degree-n least-squares fit of ReLU on [-a, a]. ReLU(x) is
 * x / 2 + |x| / 2: the odd half is exactly (a / 2) P_1(x / a), so c_1 = a / 2 and every other odd
 * coefficient is zero; the even coefficients come from |x| / 2 by the quadrature above.
 */
export function legendreCoefficients(a: number, degree: number): number[] {
  // integrand t * P_k(t) on [0, 1] has degree <= degree + 1: m nodes are exact up to 2m - 1
  const m = Math.ceil((degree + 2) / 2) + 1;
  const { nodes, weights } = gaussLegendre(m);
  const moments = new Array<number>(degree + 1).fill(0);
  nodes.forEach((xi, i) => {
    const t = (xi + 1) / 2;
    const w = weights[i]! / 2;
    legendreValues(degree, t).forEach((p, k) => (moments[k]! += w * t * p));
  });
  return moments.map((mk, k) => (k === 1 ? a / 2 : k % 2 === 1 ? 0 : ((2 * k + 1) / 2) * a * mk));
}

/** Power-basis coefficients (of x^j) of sum_k c_k P_k(x / a). */
export function legendreToMonomial(legendre: number[], a: number): number[] {
  const n = legendre.length - 1;
  // rows: power coefficients of P_k(t), by the same recurrence as the values
  const rows: number[][] = [[1], [0, 1]];
  for (let k = 1; k < n; k++) {
    const next = new Array<number>(k + 2).fill(0);
    rows[k]!.forEach((c, j) => (next[j + 1]! += ((2 * k + 1) * c) / (k + 1)));
    rows[k - 1]!.forEach((c, j) => (next[j]! -= (k * c) / (k + 1)));
    rows.push(next);
  }
  const inT = new Array<number>(n + 1).fill(0);
  legendre.forEach((c, k) => rows[k]!.forEach((r, j) => (inT[j]! += c * r)));
  return inT.map((c, j) => c / Math.pow(a, j));
}

/** p(x) and p'(x) for p = sum_k c_k P_k(x / a). */
export function evaluateFit(legendre: number[], a: number, x: number): [number, number] {
  const t = x / a;
  let p0 = 1;
  let p1 = t;
  let d1 = 1;
  let value = legendre[0]!;
  let slope = 0;
  if (legendre.length > 1) {
    value += legendre[1]! * p1;
    slope += legendre[1]! * d1;
  }
  for (let k = 1; k + 1 < legendre.length; k++) {
    const p2 = ((2 * k + 1) * t * p1 - k * p0) / (k + 1);
    // P_{k+1}' = (k + 1) P_k + t P_k'
    const d2 = (k + 1) * p1 + t * d1;
    value += legendre[k + 1]! * p2;
    slope += legendre[k + 1]! * d2;
    p0 = p1;
    p1 = p2;
    d1 = d2;
  }
  return [value, slope / a];
}

export const relu = (x: number): number => (x > 0 ? x : 0);

/** Exact sup norm of ReLU - p on [-a, a] (see the header), with `searchPoints` grid points per half. */
export function supNormError(legendre: number[], a: number, searchPoints: number): { value: number; at: number } {
  let best = { value: -1, at: 0 };
  const consider = (x: number): void => {
    const v = Math.abs(relu(x) - evaluateFit(legendre, a, x)[0]);
    if (v > best.value) best = { value: v, at: x };
  };
  for (const [lo, hi, reluSlope] of [
    [-a, 0, 0],
    [0, a, 1],
  ] as const) {
    // derivative of the error on this half: reluSlope - p'(x)
    const slope = (x: number): number => reluSlope - evaluateFit(legendre, a, x)[1];
    consider(lo);
    consider(hi);
    let xPrev = lo;
    let sPrev = slope(lo);
    for (let i = 1; i <= searchPoints; i++) {
      const x = lo + ((hi - lo) * i) / searchPoints;
      const s = slope(x);
      consider(x);
      if (sPrev === 0) consider(xPrev);
      else if (s !== 0 && Math.sign(s) !== Math.sign(sPrev)) consider(bisect(slope, xPrev, x, sPrev));
      xPrev = x;
      sPrev = s;
    }
  }
  return best;
}

function bisect(f: (x: number) => number, lo: number, hi: number, fLo: number): number {
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) break;
    const fm = f(mid);
    if (fm === 0) return mid;
    if (Math.sign(fm) === Math.sign(fLo)) {
      lo = mid;
      fLo = fm;
    } else hi = mid;
  }
  return (lo + hi) / 2;
}

export function fitRelu(a: number, degree: number, searchPoints: number): ReluFit {
  const legendre = legendreCoefficients(a, degree);
  const sup = supNormError(legendre, a, searchPoints);
  // mean of ReLU^2 over [-a, a] is a^2 / 6; the fit's share is sum c_k^2 / (2k + 1)
  const captured = legendre.reduce((s, c, k) => s + (c * c) / (2 * k + 1), 0);
  return {
    degree,
    legendre,
    monomial: legendreToMonomial(legendre, a),
    supError: sup.value,
    supAt: sup.at,
    rmsError: Math.sqrt(Math.max(0, (a * a) / 6 - captured)),
  };
}
