// The CIFAR-10 binary format: a file is a sequence of fixed-size records, each one label byte
// (0-9) followed by 3,072 pixel bytes: the 32x32 red plane, then green, then blue, each row-major.
// Real CIFAR-10 and the synthetic dataset both go through this module, so a model never sees
// data that skipped the checks below.
import { access, mkdir, open, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const IMAGE_SIDE = 32;
export const IMAGE_CHANNELS = 3;
export const PLANE_BYTES = IMAGE_SIDE * IMAGE_SIDE;
export const IMAGE_BYTES = PLANE_BYTES * IMAGE_CHANNELS;
export const RECORD_BYTES = IMAGE_BYTES + 1;
export const NUM_CLASSES = 10;

/** The official file names, in the order their images are taken. */
export const TRAIN_BATCH_FILES = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
] as const;
export const TEST_BATCH_FILE = 'test_batch.bin';
/** The folder the official archive unpacks into. */
export const ARCHIVE_FOLDER = 'cifar-10-batches-bin';

/** Images in CIFAR planar order: image i occupies images[i*3072 .. (i+1)*3072). */
export interface CifarBatch {
  labels: Uint8Array;
  images: Uint8Array;
  count: number;
}

export interface CifarSplits {
  train: CifarBatch;
  test: CifarBatch;
}

function sizeError(name: string, size: number): Error {
  const whole = Math.floor(size / RECORD_BYTES);
  const start = whole * RECORD_BYTES;
  return new Error(
    `${name}: truncated record ${whole} at byte ${start} ` +
      `(file is ${size} bytes; records are ${RECORD_BYTES} bytes)`,
  );
}

/**
 * Checks labels and splits a buffer of whole records. `name` is used in error messages;
 * `byteBase` is the file offset of bytes[0] (so offsets in errors are offsets in the file).
 */
export function decodeCifarRecords(bytes: Uint8Array, name: string, byteBase = 0): CifarBatch {
  if (bytes.byteLength % RECORD_BYTES !== 0) throw sizeError(name, byteBase + bytes.byteLength);
  const count = bytes.byteLength / RECORD_BYTES;
  const labels = new Uint8Array(count);
  const images = new Uint8Array(count * IMAGE_BYTES);
  for (let i = 0; i < count; i++) {
    const at = i * RECORD_BYTES;
    const label = bytes[at]!;
    if (label >= NUM_CLASSES) {
      throw new Error(
        `${name}: label ${label} of record ${byteBase / RECORD_BYTES + i} at byte ${byteBase + at} ` +
          `is not a class (expected 0-${NUM_CLASSES - 1})`,
      );
    }
    labels[i] = label;
    images.set(bytes.subarray(at + 1, at + RECORD_BYTES), i * IMAGE_BYTES);
  }
  return { labels, images, count };
}

/** Lays out records; throws when the arrays do not describe the same number of images. */
export function encodeCifarRecords(labels: ArrayLike<number>, images: Uint8Array): Uint8Array {
  const count = labels.length;
  if (images.byteLength !== count * IMAGE_BYTES) {
    throw new Error(
      `cannot write ${count} labels with ${images.byteLength} image bytes ` +
        `(expected ${count * IMAGE_BYTES}: ${IMAGE_BYTES} per image)`,
    );
  }
  const out = new Uint8Array(count * RECORD_BYTES);
  for (let i = 0; i < count; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= NUM_CLASSES) {
      throw new Error(`cannot write label ${label} of image ${i} (expected an integer 0-${NUM_CLASSES - 1})`);
    }
    const at = i * RECORD_BYTES;
    out[at] = label;
    out.set(images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), at + 1);
  }
  return out;
}

/**
 * Reads a batch file. With `limit`, only the first `limit` records are read and returned, but
 * the whole file's size is still checked: a damaged file is reported even when its good prefix
 * would have been enough.
 */
export async function readCifarBatchFile(path: string, limit?: number): Promise<CifarBatch> {
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${path}: cannot open CIFAR batch file (${err.code ?? err.message})`);
  });
  try {
    const { size } = await fh.stat();
    if (size % RECORD_BYTES !== 0) throw sizeError(path, size);
    const total = size / RECORD_BYTES;
    const count = limit === undefined ? total : Math.max(0, Math.min(total, Math.floor(limit)));
    const bytes = new Uint8Array(count * RECORD_BYTES);
    let filled = 0;
    while (filled < bytes.byteLength) {
      const { bytesRead } = await fh.read(bytes, filled, bytes.byteLength - filled, filled);
      // the file shrank between stat and read
      if (bytesRead === 0) throw sizeError(path, filled);
      filled += bytesRead;
    }
    return decodeCifarRecords(bytes, path);
  } finally {
    await fh.close();
  }
}

export async function writeCifarBatchFile(
  path: string,
  labels: ArrayLike<number>,
  images: Uint8Array,
): Promise<void> {
  const bytes = encodeCifarRecords(labels, images);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

/** Number of records in a batch file, from its size alone. */
export async function countCifarRecords(path: string): Promise<number> {
  const { size } = await stat(path);
  if (size % RECORD_BYTES !== 0) throw sizeError(path, size);
  return size / RECORD_BYTES;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * The folder that holds the .bin files: `dir` itself, or `dir/cifar-10-batches-bin` when given
 * the folder the official archive was unpacked in (a common way to pass --cifar-dir).
 */
export async function resolveCifarFolder(dir: string): Promise<string> {
  if (!(await exists(dir))) throw new Error(`CIFAR-10 folder ${dir} does not exist`);
  if (await exists(join(dir, TEST_BATCH_FILE))) return dir;
  const nested = join(dir, ARCHIVE_FOLDER);
  if (await exists(join(nested, TEST_BATCH_FILE))) return nested;
  return dir;
}

function concatBatches(parts: CifarBatch[]): CifarBatch {
  const count = parts.reduce((n, p) => n + p.count, 0);
  const labels = new Uint8Array(count);
  const images = new Uint8Array(count * IMAGE_BYTES);
  let at = 0;
  for (const p of parts) {
    labels.set(p.labels, at);
    images.set(p.images, at * IMAGE_BYTES);
    at += p.count;
  }
  return { labels, images, count };
}

/**
 * Loads the first `train` training images (data_batch_1.bin, then _2, ...) and the first `test`
 * test images from a folder in the official layout. Later training batches may be absent when the
 * earlier ones already hold enough images (the synthetic dataset writes only data_batch_1.bin).
 */
export async function loadCifarFolder(
  dir: string,
  want: { train: number; test: number },
): Promise<CifarSplits> {
  const folder = await resolveCifarFolder(dir);
  const parts: CifarBatch[] = [];
  let have = 0;
  for (let i = 0; i < TRAIN_BATCH_FILES.length && have < want.train; i++) {
    const name = TRAIN_BATCH_FILES[i]!;
    const path = join(folder, name);
    if (!(await exists(path))) {
      const held =
        i === 0
          ? 'no training batch precedes it'
          : `${TRAIN_BATCH_FILES.slice(0, i).join(', ')} ${i === 1 ? 'holds' : 'hold'} ${have}`;
      throw new Error(
        `${folder}: ${name} is missing; ${want.train} training images were asked for and ${held}`,
      );
    }
    const part = await readCifarBatchFile(path, want.train - have);
    parts.push(part);
    have += part.count;
  }
  if (have < want.train) {
    throw new Error(`${folder}: ${want.train} training images were asked for but its batches hold only ${have}`);
  }
  const testPath = join(folder, TEST_BATCH_FILE);
  if (!(await exists(testPath))) throw new Error(`${folder}: ${TEST_BATCH_FILE} is missing`);
  const test = await readCifarBatchFile(testPath, want.test);
  if (test.count < want.test) {
    throw new Error(`${testPath}: ${want.test} test images were asked for but it holds only ${test.count}`);
  }
  return { train: concatBatches(parts), test };
}
