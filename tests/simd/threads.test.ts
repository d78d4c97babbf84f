// The SIMD kernels give the same bits whatever the number of threads: every output element is
// summed in an order fixed by the shapes (wasm/assembly/conv.ts, bn.ts), so a run does not
// depend on the machine's cores. Each thread count runs in its own process (the pool is made
// once per process), on the same inputs; their outputs' hashes must be equal.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonLine, runScript } from './helpers.ts';

const fixture = fileURLToPath(new URL('./threads.fixture.ts', import.meta.url));
const THREADS = [1, 2, 3] as const;

interface Outcome {
  kernels: string;
  notes: string[];
  threads: number;
  poolRuns: number;
  hashes: Record<string, string>;
  nonZero: Record<string, number>;
}

const outcomes = new Map<number, Outcome>();
beforeAll(async () => {
  // the three processes at once: each is mostly startup
  const results = await Promise.all(THREADS.map((threads) => runScript(fixture, {
    LANDSCAPE_BACKEND: 'wasm',
    LANDSCAPE_NATIVE: '0',
    LANDSCAPE_SIMD: '1',
    LANDSCAPE_SIMD_THREADS: String(threads),
  })));
  THREADS.forEach((threads, i) => outcomes.set(threads, jsonLine<Outcome>(results[i]!)));
});

describe('the SIMD kernels on 1, 2 and 3 threads', () => {
  for (const threads of THREADS) {
    it(`run on the SIMD pool with the ${threads} thread(s) asked for`, () => {
      const o = outcomes.get(threads)!;
      expect(o.kernels).toBe('wasm-simd');
      expect(o.threads).toBe(threads);
      expect(o.notes).toContainEqual(expect.stringMatching(new RegExp(`^simd kernels: wasm SIMD( with fused multiply-add \\(relaxed SIMD\\))?, ${threads} threads$`)));
      expect(o.poolRuns).toBeGreaterThan(0);
    });
  }

  it('compute every output, none of them empty', () => {
    const o = outcomes.get(1)!;
    const names = Object.keys(o.hashes);
    // 3 convolution outputs for 2 shapes, 5 batch norm outputs for 2 shapes
    expect(names).toHaveLength(16);
    for (const name of names) expect(o.nonZero[name], name).toBeGreaterThan(0.2);
    // different outputs hash differently (the hashes are of the data)
    expect(new Set(Object.values(o.hashes)).size).toBe(names.length);
  });

  it('give bit-identical outputs', () => {
    const reference = outcomes.get(1)!.hashes;
    for (const threads of THREADS.slice(1)) {
      const hashes = outcomes.get(threads)!.hashes;
      expect(Object.keys(hashes).sort()).toEqual(Object.keys(reference).sort());
      for (const [name, hash] of Object.entries(reference)) expect(hashes[name], `${name} on ${threads} threads`).toBe(hash);
    }
  });
});
