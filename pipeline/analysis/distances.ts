// Distances between weight vectors for the claims: 1 - cosine similarity, in double precision.
export type Vector = ArrayLike<number>;

export function cosineDistance(a: Vector, b: Vector): number {
  if (a.length !== b.length) throw new Error(`cannot compare vectors of ${a.length} and ${b.length} values`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  if (!(aa > 0 && bb > 0)) throw new Error('cosine distance of a zero (or non-finite) vector');
  return 1 - Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb)));
}

/** Every pairwise distance among the vectors (i < j). */
export function pairwise(vectors: Vector[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < vectors.length; i++) for (let j = i + 1; j < vectors.length; j++) out.push(cosineDistance(vectors[i]!, vectors[j]!));
  return out;
}

export function mean(values: number[]): number {
  if (values.length === 0) throw new Error('mean of no values');
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
