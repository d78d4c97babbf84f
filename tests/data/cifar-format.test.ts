import { mkdir, truncate, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  IMAGE_BYTES,
  PLANE_BYTES,
  RECORD_BYTES,
  encodeCifarRecords,
  loadCifarFolder,
  readCifarBatchFile,
  writeCifarBatchFile,
} from '../../pipeline/data/cifar-format.ts';
import { randomBatch, tempDir } from './helpers.ts';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

describe('CIFAR-10 binary records', () => {
  it('writes label byte then R, G, B planes, and reads them back', async () => {
    const images = new Uint8Array(2 * IMAGE_BYTES);
    // image 1: R plane 11, G plane 22, B plane 33, except pixel (row 1, col 2) of G = 99
    images.fill(11, IMAGE_BYTES, IMAGE_BYTES + PLANE_BYTES);
    images.fill(22, IMAGE_BYTES + PLANE_BYTES, IMAGE_BYTES + 2 * PLANE_BYTES);
    images.fill(33, IMAGE_BYTES + 2 * PLANE_BYTES, 2 * IMAGE_BYTES);
    images[IMAGE_BYTES + PLANE_BYTES + 1 * 32 + 2] = 99;
    const path = join(dir, 'two.bin');
    await writeCifarBatchFile(path, [3, 7], images);

    const raw = encodeCifarRecords([3, 7], images);
    expect(raw.byteLength).toBe(2 * RECORD_BYTES);
    expect(raw[0]).toBe(3);
    expect(raw[RECORD_BYTES]).toBe(7);
    expect(raw[RECORD_BYTES + 1]).toBe(11);
    expect(raw[RECORD_BYTES + 1 + PLANE_BYTES]).toBe(22);
    expect(raw[RECORD_BYTES + 1 + PLANE_BYTES + 34]).toBe(99);
    expect(raw[RECORD_BYTES + 1 + 2 * PLANE_BYTES]).toBe(33);

    const back = await readCifarBatchFile(path);
    expect(back.count).toBe(2);
    expect(Array.from(back.labels)).toEqual([3, 7]);
    expect(Buffer.from(back.images).equals(Buffer.from(images))).toBe(true);
  });

  it('round-trips a larger random batch, and reads a prefix with a limit', async () => {
    const batch = randomBatch(57, 'round-trip');
    const path = join(dir, 'data_batch_1.bin');
    await writeCifarBatchFile(path, batch.labels, batch.images);
    const back = await readCifarBatchFile(path);
    expect(back.count).toBe(57);
    expect(Buffer.from(back.labels).equals(Buffer.from(batch.labels))).toBe(true);
    expect(Buffer.from(back.images).equals(Buffer.from(batch.images))).toBe(true);

    const head = await readCifarBatchFile(path, 10);
    expect(head.count).toBe(10);
    expect(Buffer.from(head.images).equals(Buffer.from(batch.images.subarray(0, 10 * IMAGE_BYTES)))).toBe(true);
    expect(Array.from(head.labels)).toEqual(Array.from(batch.labels.subarray(0, 10)));
  });

  it('rejects a truncated file, naming the file, the record and its byte offset', async () => {
    const batch = randomBatch(20, 'truncated');
    const path = join(dir, 'test_batch.bin');
    await writeCifarBatchFile(path, batch.labels, batch.images);
    await truncate(path, 52300);
    await expect(readCifarBatchFile(path)).rejects.toThrow(
      /test_batch\.bin: truncated record 17 at byte 52241 \(file is 52300 bytes; records are 3073 bytes\)/,
    );
    // a damaged file is reported even when its good prefix would be enough
    await expect(readCifarBatchFile(path, 5)).rejects.toThrow(/test_batch\.bin: truncated record 17 at byte 52241/);
  });

  it('rejects a file with trailing bytes after whole records', async () => {
    const batch = randomBatch(2, 'extra');
    const path = join(dir, 'data_batch_2.bin');
    await writeCifarBatchFile(path, batch.labels, batch.images);
    await appendFile(path, new Uint8Array(5));
    await expect(readCifarBatchFile(path)).rejects.toThrow(/data_batch_2\.bin: truncated record 2 at byte 6146 \(file is 6151 bytes/);
  });

  it('rejects a label byte above 9, naming the file and the byte offset', async () => {
    const raw = encodeCifarRecords([1, 2, 3, 4, 5], randomBatch(5, 'labels').images);
    raw[3 * RECORD_BYTES] = 10;
    const path = join(dir, 'data_batch_1.bin');
    await writeFile(path, raw);
    await expect(readCifarBatchFile(path)).rejects.toThrow(/data_batch_1\.bin: label 10 of record 3 at byte 9219/);
    // a limit that stops before the bad record reads fine
    await expect(readCifarBatchFile(path, 3)).resolves.toMatchObject({ count: 3 });
  });

  it('refuses to write inconsistent arrays or labels outside 0-9', async () => {
    await expect(writeCifarBatchFile(join(dir, 'x.bin'), [1, 2], new Uint8Array(IMAGE_BYTES))).rejects.toThrow(
      /2 labels with 3072 image bytes/,
    );
    await expect(writeCifarBatchFile(join(dir, 'x.bin'), [12], new Uint8Array(IMAGE_BYTES))).rejects.toThrow(/label 12/);
  });

  it('names a missing file', async () => {
    await expect(readCifarBatchFile(join(dir, 'nope.bin'))).rejects.toThrow(/nope\.bin: cannot open CIFAR batch file \(ENOENT\)/);
  });
});

describe('loading a dataset folder', () => {
  async function writeFolder(folder: string, trainCounts: number[], testCount: number) {
    await mkdir(folder, { recursive: true });
    const batches = trainCounts.map((n, i) => randomBatch(n, `train-${i}`));
    for (const [i, b] of batches.entries()) await writeCifarBatchFile(join(folder, `data_batch_${i + 1}.bin`), b.labels, b.images);
    const test = randomBatch(testCount, 'test');
    await writeCifarBatchFile(join(folder, 'test_batch.bin'), test.labels, test.images);
    return { batches, test };
  }

  it('takes the first N training images across batches in order, and the first M test images', async () => {
    const { batches, test } = await writeFolder(dir, [10, 10, 10, 10, 10], 8);
    const data = await loadCifarFolder(dir, { train: 25, test: 5 });
    expect(data.train.count).toBe(25);
    expect(data.test.count).toBe(5);
    // image 12 is image 2 of data_batch_2.bin; image 24 is image 4 of data_batch_3.bin
    expect(Buffer.from(data.train.images.subarray(12 * IMAGE_BYTES, 13 * IMAGE_BYTES)).equals(
      Buffer.from(batches[1]!.images.subarray(2 * IMAGE_BYTES, 3 * IMAGE_BYTES)),
    )).toBe(true);
    expect(data.train.labels[24]).toBe(batches[2]!.labels[4]);
    expect(Array.from(data.test.labels)).toEqual(Array.from(test.labels.subarray(0, 5)));
  });

  it('accepts a folder with only the first batch when it holds enough, and says which file is missing otherwise', async () => {
    await writeFolder(dir, [12], 4);
    await expect(loadCifarFolder(dir, { train: 12, test: 4 })).resolves.toMatchObject({ train: { count: 12 }, test: { count: 4 } });
    await expect(loadCifarFolder(dir, { train: 13, test: 4 })).rejects.toThrow(
      /data_batch_2\.bin is missing; 13 training images were asked for and data_batch_1\.bin holds 12/,
    );
    await expect(loadCifarFolder(dir, { train: 5, test: 9 })).rejects.toThrow(/test_batch\.bin: 9 test images were asked for but it holds only 4/);
  });

  it('reports all batches present but too few images, a missing test file and a missing folder', async () => {
    await writeFolder(dir, [2, 2, 2, 2, 2], 1);
    await expect(loadCifarFolder(dir, { train: 11, test: 1 })).rejects.toThrow(/11 training images were asked for but its batches hold only 10/);
    const noTest = join(dir, 'no-test');
    await mkdir(noTest);
    const b = randomBatch(3, 'x');
    await writeCifarBatchFile(join(noTest, 'data_batch_1.bin'), b.labels, b.images);
    await expect(loadCifarFolder(noTest, { train: 3, test: 1 })).rejects.toThrow(/test_batch\.bin is missing/);
    await expect(loadCifarFolder(join(dir, 'absent'), { train: 1, test: 1 })).rejects.toThrow(/CIFAR-10 folder .*absent does not exist/);
  });

  it('finds the .bin files inside cifar-10-batches-bin/ when given the folder the archive was unpacked in', async () => {
    await writeFolder(join(dir, 'cifar-10-batches-bin'), [6], 3);
    const data = await loadCifarFolder(dir, { train: 6, test: 3 });
    expect(data.train.count).toBe(6);
  });
});
