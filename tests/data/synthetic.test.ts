import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IMAGE_BYTES, PLANE_BYTES, loadCifarFolder, type CifarBatch } from '../../pipeline/data/cifar-format.ts';
import {
  SYNTHETIC_CLASS_NAMES,
  generateSynthetic,
  sampleGridPng,
  synthesizeSplit,
} from '../../pipeline/data/synthetic.ts';
import { tempDir } from './helpers.ts';

/**
 * SHA-256 of the labels then images of the first 20 training images of seed 1. Every change to
 * the generator changes it (and with it every downstream cache key and figure): update it only
 * when the change is meant.
 */
const PINNED_SEED1_TRAIN20 = 'bcb564f98700e44c8dfd07f5ef0cb113e43806e891341da2dea9195a153f7634';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

function counts(labels: Uint8Array): number[] {
  const c = new Array<number>(10).fill(0);
  for (const l of labels) c[l]!++;
  return c;
}

/** A coarse colour histogram (4 levels per channel), normalised: a feature a model could use. */
function colourHistogram(batch: CifarBatch, i: number): Float64Array {
  const h = new Float64Array(64);
  const base = i * IMAGE_BYTES;
  for (let p = 0; p < PLANE_BYTES; p++) {
    const r = batch.images[base + p]! >> 6;
    const g = batch.images[base + PLANE_BYTES + p]! >> 6;
    const b = batch.images[base + 2 * PLANE_BYTES + p]! >> 6;
    h[r * 16 + g * 4 + b]! += 1 / PLANE_BYTES;
  }
  return h;
}

describe('the synthetic dataset', () => {
  it('writes data_batch_1.bin and test_batch.bin that the CIFAR reader reads', async () => {
    const result = await generateSynthetic({ seed: 3, train: 120, test: 40 }, dir);
    expect((await readdir(dir)).sort()).toEqual(['data_batch_1.bin', 'test_batch.bin']);
    expect(result.files).toEqual(['data_batch_1.bin', 'test_batch.bin']);
    const data = await loadCifarFolder(dir, { train: 120, test: 40 });
    expect(data.train.count).toBe(120);
    expect(data.test.count).toBe(40);
    expect(Buffer.from(data.train.images).equals(Buffer.from(result.train.images))).toBe(true);
    expect(Buffer.from(data.test.labels).equals(Buffer.from(result.test.labels))).toBe(true);
  });

  it('gives byte-identical files for the same seed and different ones for another seed', async () => {
    const spec = { seed: 11, train: 60, test: 30 };
    await generateSynthetic(spec, join(dir, 'a'));
    await generateSynthetic(spec, join(dir, 'b'));
    await generateSynthetic({ ...spec, seed: 12 }, join(dir, 'c'));
    for (const name of ['data_batch_1.bin', 'test_batch.bin']) {
      const a = await readFile(join(dir, 'a', name));
      const b = await readFile(join(dir, 'b', name));
      const c = await readFile(join(dir, 'c', name));
      expect(a.equals(b), name).toBe(true);
      expect(a.equals(c), name).toBe(false);
    }
    // the training and test images are different images, not a copy
    const train = synthesizeSplit(11, 'train', 30);
    const test = synthesizeSplit(11, 'test', 30);
    expect(Buffer.from(train.images).equals(Buffer.from(test.images))).toBe(false);
  });

  it('pins the bytes of seed 1, so that a change to the generator is deliberate', () => {
    const b = synthesizeSplit(1, 'train', 20);
    const digest = createHash('sha256').update(b.labels).update(b.images).digest('hex');
    expect(digest).toBe(PINNED_SEED1_TRAIN20);
  });

  it('keeps a prefix fixed: the first N images do not depend on how many are drawn', () => {
    const small = synthesizeSplit(5, 'train', 23);
    const large = synthesizeSplit(5, 'train', 100);
    expect(Buffer.from(small.labels).equals(Buffer.from(large.labels.subarray(0, 23)))).toBe(true);
    expect(Buffer.from(small.images).equals(Buffer.from(large.images.subarray(0, 23 * IMAGE_BYTES)))).toBe(true);
  });

  it('balances the classes in every prefix', () => {
    expect(counts(synthesizeSplit(2, 'train', 1000).labels)).toEqual(new Array(10).fill(100));
    for (const c of counts(synthesizeSplit(2, 'test', 205).labels)) expect([20, 21]).toContain(c);
    // and the order is shuffled, not 0, 1, 2, ...
    const labels = Array.from(synthesizeSplit(2, 'train', 30).labels);
    expect(labels).not.toEqual(labels.map((_, i) => i % 10));
  });

  it('makes images that vary: no two identical, all intensities used, not flat', () => {
    const b = synthesizeSplit(4, 'train', 200);
    const seen = new Set<string>();
    for (let i = 0; i < b.count; i++) seen.add(Buffer.from(b.images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES)).toString('base64'));
    expect(seen.size).toBe(200);
    let min = 255;
    let max = 0;
    for (const v of b.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBeLessThan(20);
    expect(max).toBeGreaterThan(235);
  });

  it('has classes that differ in colour statistics, but not so much that colour alone solves the task', () => {
    // nearest class mean on a colour histogram: well above chance (0.1), well below perfect
    const train = synthesizeSplit(6, 'train', 1000);
    const test = synthesizeSplit(6, 'test', 500);
    const means = Array.from({ length: 10 }, () => new Float64Array(64));
    for (let i = 0; i < train.count; i++) {
      const h = colourHistogram(train, i);
      const m = means[train.labels[i]!]!;
      for (let k = 0; k < 64; k++) m[k]! += h[k]! / 100;
    }
    let correct = 0;
    for (let i = 0; i < test.count; i++) {
      const h = colourHistogram(test, i);
      let best = -1;
      let bestD = Infinity;
      for (let c = 0; c < 10; c++) {
        let d = 0;
        for (let k = 0; k < 64; k++) d += (h[k]! - means[c]![k]!) ** 2;
        if (d < bestD) [best, bestD] = [c, d];
      }
      if (best === test.labels[i]) correct++;
    }
    const accuracy = correct / test.count;
    expect(accuracy).toBeGreaterThan(0.2);
    expect(accuracy).toBeLessThan(0.8);
  });

  it('exports ten distinct class names', () => {
    expect(SYNTHETIC_CLASS_NAMES).toHaveLength(10);
    expect(new Set(SYNTHETIC_CLASS_NAMES).size).toBe(10);
  });

  it('draws a sample grid: one row per class, images enlarged pixel for pixel', () => {
    const b = synthesizeSplit(1, 'train', 50);
    const png = PNG.sync.read(sampleGridPng(b, { perClass: 4, zoom: 2 }));
    const cell = 32 * 2 + 1;
    expect(png.width).toBe(4 * cell + 1);
    expect(png.height).toBe(10 * cell + 1);
    // the first image of the batch sits in column 0 of its class's row
    const cls = b.labels[0]!;
    const [x, y] = [5, 7];
    const at = ((cls * cell + 1 + y * 2) * png.width + (1 + x * 2)) * 4;
    const src = y * 32 + x;
    expect([png.data[at], png.data[at + 1], png.data[at + 2]]).toEqual([
      b.images[src],
      b.images[PLANE_BYTES + src],
      b.images[2 * PLANE_BYTES + src],
    ]);
  });

  it('rejects a negative or fractional count', () => {
    expect(() => synthesizeSplit(1, 'train', -1)).toThrow(/whole number/);
    expect(() => synthesizeSplit(1, 'train', 2.5)).toThrow(/whole number/);
  });
});

