// Damaging files on purpose, reproducibly: flip one byte, cut the file short, or delete it.
import { readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { Rng } from '../../pipeline/engine/random.ts';

export type Damage = 'flip' | 'truncate' | 'delete';

/** Applies `damage` to `path`; says what was done, e.g. "byte 1234 of 5678 flipped". */
export async function damageFile(path: string, damage: Damage, rng: Rng): Promise<string> {
  const size = (await stat(path)).size;
  if (damage === 'delete' || size === 0) {
    await rm(path);
    return 'deleted';
  }
  if (damage === 'truncate') {
    const keep = rng.int(size);
    await truncate(path, keep);
    return `cut to ${keep} of ${size} bytes`;
  }
  const bytes = await readFile(path);
  const at = rng.int(size);
  bytes[at] = bytes[at]! ^ (1 << rng.int(8));
  await writeFile(path, bytes);
  return `byte ${at} of ${size} flipped`;
}

/** `n` distinct items drawn from `items` (all of them when there are fewer). */
export function pick<T>(items: T[], n: number, rng: Rng): T[] {
  const order = rng.permutation(items.length);
  return Array.from(order.subarray(0, Math.min(n, items.length)), (i) => items[i]!);
}

export function pickOne<T>(items: readonly T[], rng: Rng): T {
  return items[rng.int(items.length)]!;
}
