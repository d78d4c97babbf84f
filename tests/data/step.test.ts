import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadDatasetCached } from '../../pipeline/data/cached.ts';
import { IMAGE_BYTES, PLANE_BYTES, readCifarBatchFile, writeCifarBatchFile } from '../../pipeline/data/cifar-format.ts';
import { verifyCifarCopy } from '../../pipeline/data/cifar-verify.ts';
import { CIFAR10_CLASS_NAMES, loadDataset, run, type DatasetInfo } from '../../pipeline/data/step.ts';
import { SYNTHETIC_CLASS_NAMES } from '../../pipeline/data/synthetic.ts';
import type { DataSettings } from '../../pipeline/profiles/data.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import type { StepContext } from '../../pipeline/step.ts';
import { randomBatch, tempDir } from './helpers.ts';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await cleanup();
});

async function runStep(params: DataSettings, name = 'out') {
  const outDir = join(dir, name);
  await mkdir(outDir, { recursive: true });
  const progress: Array<[number, number]> = [];
  const ctx: StepContext<DataSettings> = {
    profile: getProfile('smoke'),
    params,
    inputs: {},
    outDir,
    scratchDir: join(dir, `${name}-scratch`),
    // the data step starts no jobs and uses no engine
    jobs: undefined as unknown as StepContext['jobs'],
    engine: null,
    progress: (done, total) => progress.push([done, total]),
    log: () => {},
  };
  await run(ctx);
  const info = JSON.parse(await readFile(join(outDir, 'dataset.json'), 'utf8')) as DatasetInfo;
  return { outDir, info, progress };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A CIFAR-style folder (not the official files): training batches of 10, 10, 2, 2, 2 and a test batch of 8. */
async function fakeCifarFolder(folder: string) {
  await mkdir(folder, { recursive: true });
  const b1 = randomBatch(10, 'b1');
  const b2 = randomBatch(10, 'b2');
  const t = randomBatch(8, 't');
  await writeCifarBatchFile(join(folder, 'data_batch_1.bin'), b1.labels, b1.images);
  await writeCifarBatchFile(join(folder, 'data_batch_2.bin'), b2.labels, b2.images);
  for (const n of [3, 4, 5]) {
    const b = randomBatch(2, `more-${n}`);
    await writeCifarBatchFile(join(folder, `data_batch_${n}.bin`), b.labels, b.images);
  }
  await writeCifarBatchFile(join(folder, 'test_batch.bin'), t.labels, t.images);
  return { b1, b2, t };
}

describe('the data step', () => {
  it('generates the synthetic dataset with dataset.json and a sample grid', async () => {
    const { outDir, info, progress } = await runStep({ kind: 'synthetic', seed: 1, train: 50, test: 20 });
    expect((await readdir(outDir)).sort()).toEqual(['data_batch_1.bin', 'dataset.json', 'samples.png', 'test_batch.bin']);
    expect(info).toMatchObject({ kind: 'synthetic', source: 'synthetic', seed: 1, train: 50, test: 20 });
    expect(info.classNames).toEqual([...SYNTHETIC_CLASS_NAMES]);
    expect(Object.keys(info.sha256).sort()).toEqual(['data_batch_1.bin', 'test_batch.bin']);
    for (const [name, hash] of Object.entries(info.sha256)) expect(sha256(await readFile(join(outDir, name)))).toBe(hash);
    expect(progress.at(-1)).toEqual([1, 1]);
  });

  it('reads a CIFAR-10 copy from LANDSCAPE_CIFAR_DIR, accepted as unofficial, and keeps only the first N images', async () => {
    const src = join(dir, 'cifar');
    const { b1, b2, t } = await fakeCifarFolder(src);
    vi.stubEnv('LANDSCAPE_CIFAR_DIR', src);
    vi.stubEnv('LANDSCAPE_CACHE_DIR', join(dir, 'cache'));
    // not the official files: refused, unless the run accepted them (and keys the step by their hashes)
    await expect(runStep({ kind: 'cifar', train: 15, test: 5 })).rejects.toThrow(/^CIFAR-10 in .* is not the official dataset: data_batch_1\.bin has 10 records, not 10,000/);
    const { sha256: unofficial } = await verifyCifarCopy(src, { allowUnofficial: true });
    const { outDir, info } = await runStep({ kind: 'cifar', train: 15, test: 5, unofficial }, 'accepted');
    expect(info).toMatchObject({ kind: 'cifar', source: 'cifar-10', train: 15, test: 5, official: false });
    expect(info.differences).toHaveLength(6);
    expect(info.seed).toBeUndefined();
    expect(info.classNames).toEqual([...CIFAR10_CLASS_NAMES]);
    const train = await readCifarBatchFile(join(outDir, 'data_batch_1.bin'));
    expect(train.count).toBe(15);
    expect(Buffer.from(train.images.subarray(0, 10 * IMAGE_BYTES)).equals(Buffer.from(b1.images))).toBe(true);
    expect(Buffer.from(train.images.subarray(10 * IMAGE_BYTES)).equals(Buffer.from(b2.images.subarray(0, 5 * IMAGE_BYTES)))).toBe(true);
    const test = await readCifarBatchFile(join(outDir, 'test_batch.bin'));
    expect(Array.from(test.labels)).toEqual(Array.from(t.labels.subarray(0, 5)));
  });

  it('checks an already extracted download under LANDSCAPE_CACHE_DIR/downloads without a network request', async () => {
    const cacheRoot = join(dir, 'cache-root');
    const folder = join(cacheRoot, 'downloads', 'cifar-10-batches-bin');
    await fakeCifarFolder(folder);
    vi.stubEnv('LANDSCAPE_CIFAR_DIR', '');
    vi.stubEnv('LANDSCAPE_CACHE_DIR', cacheRoot);
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    // complete, so nothing is downloaded; not the official files, so nothing trains on them
    await expect(runStep({ kind: 'cifar', train: 4, test: 2 })).rejects.toThrow(/^CIFAR-10 in .*cifar-10-batches-bin is not the official dataset/);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('fails clearly when LANDSCAPE_CIFAR_DIR lacks the files', async () => {
    vi.stubEnv('LANDSCAPE_CIFAR_DIR', join(dir, 'missing'));
    vi.stubEnv('LANDSCAPE_CACHE_DIR', join(dir, 'cache'));
    await expect(runStep({ kind: 'cifar', train: 4, test: 2 })).rejects.toThrow(/^CIFAR-10 in .*missing: data_batch_1\.bin is missing$/);
  });
});

describe('loadDataset', () => {
  it('returns NHWC images normalised per channel with the training statistics', async () => {
    const { outDir } = await runStep({ kind: 'synthetic', seed: 2, train: 40, test: 10 });
    const data = await loadDataset(outDir);
    const raw = await readCifarBatchFile(join(outDir, 'data_batch_1.bin'));
    const rawTest = await readCifarBatchFile(join(outDir, 'test_batch.bin'));
    expect(data.train.count).toBe(40);
    expect(data.test.count).toBe(10);
    expect(data.train.images).toBeInstanceOf(Float32Array);
    expect(data.train.images.length).toBe(40 * 32 * 32 * 3);
    expect(data.train.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(data.train.labels)).toEqual(Array.from(raw.labels));
    expect(data.info.classNames).toEqual([...SYNTHETIC_CLASS_NAMES]);

    // every training channel has mean 0 and standard deviation 1
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      let sumSq = 0;
      const n = 40 * PLANE_BYTES;
      for (let k = c; k < data.train.images.length; k += 3) {
        sum += data.train.images[k]!;
        sumSq += data.train.images[k]! ** 2;
      }
      expect(Math.abs(sum / n)).toBeLessThan(1e-4);
      expect(Math.sqrt(sumSq / n - (sum / n) ** 2)).toBeCloseTo(1, 4);
    }

    // pixel (row 3, col 5), green, of image 7: planar in the file, interleaved in the result
    const { mean, std } = data.normalization;
    const p = 3 * 32 + 5;
    const byte = raw.images[7 * IMAGE_BYTES + PLANE_BYTES + p]!;
    expect(data.train.images[7 * IMAGE_BYTES + p * 3 + 1]).toBeCloseTo((byte / 255 - mean[1]) / std[1], 5);
    // the test split is scaled with the training statistics
    const testByte = rawTest.images[2 * IMAGE_BYTES + 2 * PLANE_BYTES + p]!;
    expect(data.test.images[2 * IMAGE_BYTES + p * 3 + 2]).toBeCloseTo((testByte / 255 - mean[2]) / std[2], 5);
  });

  it('refuses files that do not match the hashes in dataset.json', async () => {
    const { outDir } = await runStep({ kind: 'synthetic', seed: 2, train: 10, test: 10 });
    const path = join(outDir, 'test_batch.bin');
    const bytes = await readFile(path);
    bytes[100] = bytes[100]! ^ 1;
    await writeFile(path, bytes);
    await expect(loadDataset(outDir)).rejects.toThrow(/test_batch\.bin: SHA-256 [0-9a-f]{64} does not match/);
  });

  it('memoises per folder in loadDatasetCached', async () => {
    const { outDir } = await runStep({ kind: 'synthetic', seed: 3, train: 10, test: 10 });
    const a = await loadDatasetCached(outDir);
    const b = await loadDatasetCached(outDir);
    expect(b).toBe(a);
  });
});
