// Seeded random streams for E1. Each stream is named by an offset from the run's seed, so that
// adding draws to one protocol never shifts the numbers of another.
import seedrandom from 'seedrandom';

export interface RandomStream {
  /** uniform on [0, 1) */
  uniform(): number;
  /** standard normal (Box-Muller; the second value of each pair is kept for the next call) */
  gaussian(): number;
}

/** Offsets of the streams E1 draws from, added to `seed + seedOffset`. */
export const STREAMS = {
  floors: 0,
  fractal: 1,
  runs: 2,
  branches: 3,
  perturb: 4,
} as const;

export function randomStream(seed: number): RandomStream {
  const prng = seedrandom(String(seed));
  let spare: number | null = null;
  return {
    uniform: () => prng(),
    gaussian: () => {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      // 1 - u keeps the argument of log in (0, 1]
      const u = 1 - prng();
      const v = prng();
      const radius = Math.sqrt(-2 * Math.log(u));
      spare = radius * Math.sin(2 * Math.PI * v);
      return radius * Math.cos(2 * Math.PI * v);
    },
  };
}
