// Shared by the data tests: temporary folders and small seeded batches.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { IMAGE_BYTES, type CifarBatch } from '../../pipeline/data/cifar-format.ts';

/** A fresh temporary folder and a function that removes it. */
export async function tempDir(prefix = 'landscape-data-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** `count` images of seeded random bytes with labels 0..9. */
export function randomBatch(count: number, seed: string): CifarBatch {
  const rng = seedrandom.alea(seed);
  const labels = new Uint8Array(count);
  const images = new Uint8Array(count * IMAGE_BYTES);
  for (let i = 0; i < count; i++) labels[i] = Math.floor(rng() * 10);
  for (let i = 0; i < images.length; i++) images[i] = Math.floor(rng() * 256);
  return { labels, images, count };
}
