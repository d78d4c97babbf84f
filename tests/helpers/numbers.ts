// Deterministic test data and the error measure every kernel test compares with.
import type { Split } from '../../pipeline/engine/model.ts';
import { Rng } from '../../pipeline/engine/random.ts';

/** Deterministic values in [-1, 1) (xorshift), plus an offset: tests must not depend on Math.random. */
export function values(size: number, seed: number, offset = 0): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2 ** 31 - 1 + offset;
  }
  return out;
}

/** ||a - b|| / ||b|| (the absolute norm when b is 0; Infinity when the lengths differ) */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const d = a[i]! - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** n random images (normal noise) with random labels: training data for engine tests. */
export function randomSplit(n: number, seed: string): Split {
  const rng = new Rng(seed);
  return { images: rng.normalArray(n * 3072), labels: Int32Array.from({ length: n }, () => rng.int(10)), count: n };
}
