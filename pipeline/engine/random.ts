// Seeded random streams. Every stream is named by the path of the thing it serves
// (e.g. root seed / experiment / stage / trajectory / epoch / purpose), so a resumed run draws
// exactly the numbers an uninterrupted one would, whatever was computed before.
import seedrandom from 'seedrandom';

export class Rng {
  private readonly next: () => number;
  private spare: number | null = null;

  constructor(...path: Array<string | number>) {
    this.next = seedrandom.alea(path.join('/'));
  }

  /** uniform in [0, 1) with 53-bit resolution */
  uniform(): number {
    return this.next();
  }

  /** standard normal (Marsaglia's polar method; the second value is kept for the next call) */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  normalArray(n: number, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = std * this.normal();
    return out;
  }

  uniformArray(n: number, low: number, high: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = low + (high - low) * this.next();
    return out;
  }

  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** a uniformly random permutation of 0..n-1 (Fisher-Yates) */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}
