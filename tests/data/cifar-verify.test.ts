// A local CIFAR-10 copy is checked file by file against the official sizes and SHA-256, once:
// a file that passed is remembered by its size and modification time. A copy that differs is
// refused with the file and what is wrong, or accepted when asked, with its differences listed.
import { truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CIFAR10_FILE_BYTES, CIFAR10_FILE_SHA256, CifarCopyError, verifyCifarCopy } from '../../pipeline/data/cifar-verify.ts';
import { tempDir } from './helpers.ts';

const NAMES = Object.keys(CIFAR10_FILE_SHA256);
let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('lf-cifar-verify-'));
  // all-zero images of the official size (sparse files): the right shape, not CIFAR-10
  for (const name of NAMES) {
    await writeFile(join(dir, name), '');
    await truncate(join(dir, name), CIFAR10_FILE_BYTES);
  }
});
afterEach(() => cleanup());

describe('checking a local CIFAR-10 copy', () => {
  it('pins six files of 10,000 records of 3,073 bytes', () => {
    expect(NAMES).toEqual(['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']);
    expect(CIFAR10_FILE_BYTES).toBe(30_730_000);
    for (const hash of Object.values(CIFAR10_FILE_SHA256)) expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a copy that is not the official one, naming the file, unless asked to accept it', async () => {
    await expect(verifyCifarCopy(dir, { allowUnofficial: false })).rejects.toThrow(
      /^CIFAR-10 in .* is not the official dataset: data_batch_1\.bin has SHA-256 [0-9a-f]{16}…, the official file cee916563c9f80d8… \(same size: its images or labels were changed\) \(and 5 more files\)/,
    );
    const copy = await verifyCifarCopy(dir, { allowUnofficial: true });
    expect(copy.official).toBe(false);
    expect(copy.differences).toHaveLength(6);
    expect(Object.keys(copy.sha256)).toEqual(NAMES);
  });

  it('refuses a file that is not whole records, even when unofficial data is allowed', async () => {
    await truncate(join(dir, 'test_batch.bin'), 3073 * 7 + 5);
    const error = await verifyCifarCopy(dir, { allowUnofficial: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CifarCopyError);
    expect((error as Error).message).toMatch(/test_batch\.bin has 21,516 bytes, not a whole number of 3,073-byte records/);
  });

  it('hashes a file once and remembers it by size and modification time', async () => {
    const memoDir = join(dir, 'memo');
    const path = join(dir, 'data_batch_2.bin');
    const mtime = new Date(2020, 0, 1);
    await utimes(path, mtime, mtime);
    const first = await verifyCifarCopy(dir, { allowUnofficial: true, memoDir });
    // the same size and time: the remembered hash is used, the file is not read again
    await writeFile(path, Buffer.alloc(CIFAR10_FILE_BYTES, 1));
    await utimes(path, mtime, mtime);
    expect((await verifyCifarCopy(dir, { allowUnofficial: true, memoDir })).sha256).toEqual(first.sha256);
    // a new modification time: hashed again
    await utimes(path, mtime, new Date(mtime.getTime() + 5000));
    expect((await verifyCifarCopy(dir, { allowUnofficial: true, memoDir })).sha256['data_batch_2.bin']).not.toBe(first.sha256['data_batch_2.bin']);
  });
});
