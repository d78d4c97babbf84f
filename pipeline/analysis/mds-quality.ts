// How faithful a 2-D MDS map is to the distances it was made from. Every MDS panel reports:
//   - the share of the spectrum its two axes carry (explained, in classicalMds);
//   - the negative eigenvalue mass: the part of the spectrum below zero, which is zero exactly
//     when the dissimilarities are Euclidean (the chord distance) and grows when they are not
//     (1 - cos);
//   - the Spearman rank correlation between the map's distances and the true dissimilarities,
//     over all pairs of points: 1 when the map keeps the order of every pair.
import type { Matrix } from 'ml-matrix';

/** sum of |negative eigenvalues| / sum of |eigenvalues| (0 when the spectrum is empty). */
export function negativeMass(eigenvalues: number[]): number {
  let negative = 0;
  let total = 0;
  for (const v of eigenvalues) {
    total += Math.abs(v);
    if (v < 0) negative -= v;
  }
  return total > 0 ? negative / total : 0;
}

/** Ranks 1..n, ties sharing the mean of their ranks. */
export function ranks(values: Float64Array): Float64Array {
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values[a]! - values[b]!);
  const out = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + end + 1) / 2; // mean of ranks start+1 .. end
    for (let k = start; k < end; k++) out[order[k]!] = rank;
    start = end;
  }
  return out;
}

/** Pearson correlation of the ranks; NaN when either side is constant. */
export function spearman(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new Error(`spearman: ${a.length} and ${b.length} values`);
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  const mean = (n + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = ra[i]! - mean;
    const y = rb[i]! - mean;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : Number.NaN;
}

/** Spearman correlation between the map's Euclidean distances and the dissimilarities, over all pairs. */
export function mapRankCorrelation(dissimilarities: Matrix, coords: number[][]): number {
  const n = coords.length;
  const pairs = (n * (n - 1)) / 2;
  const truth = new Float64Array(pairs);
  const map = new Float64Array(pairs);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      truth[k] = dissimilarities.get(i, j);
      let d2 = 0;
      for (let a = 0; a < coords[i]!.length; a++) d2 += (coords[i]![a]! - coords[j]![a]!) ** 2;
      map[k] = Math.sqrt(d2);
      k++;
    }
  }
  return pairs > 0 ? spearman(truth, map) : Number.NaN;
}
