// A local copy of CIFAR-10 (binary version) is checked before anything trains on it: all six
// files present, each exactly 10,000 records of 3,073 bytes, and each with the SHA-256 of the
// official file. Hashing 184 MB takes a moment, so a file that passed is remembered by its path,
// size and modification time (in <cache>/verified/) and not hashed again until one changes.
//
// A copy that differs (a modified or re-encoded dataset) is refused, naming the file and what is
// wrong, unless the user accepts it (--allow-unofficial-data): the run then records the files'
// own hashes, which enter the data step's key (a modified copy never shares cached results with
// the official one), and every figure of the run says it was made from it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeAtomic } from '../atomic-write.ts';
import { RECORD_BYTES, TEST_BATCH_FILE, TRAIN_BATCH_FILES } from './cifar-format.ts';

export const CIFAR10_RECORDS_PER_FILE = 10_000;
export const CIFAR10_FILE_BYTES = CIFAR10_RECORDS_PER_FILE * RECORD_BYTES; // 30,730,000

/**
 * SHA-256 of the six files of the official binary archive (cifar-10-binary.tar.gz, whose MD5
 * c32a1d4ab5d03f1284b67883e8d87530 the authors publish; download.ts checks it). The authors publish
 * no per-file hashes: these are the values the Ruby port of torchvision pins for the files it
 * extracts from that archive (ankane/torchvision-ruby, lib/torchvision/datasets/cifar10.rb), and
 * checks on every load; test_batch.bin's value, with its size of 30,730,000 bytes, is pinned the
 * same by an unrelated project that verifies the official test batch. They were not computed here
 * (no copy of CIFAR-10 was at hand): the archive's own MD5 and SHA-256 stay the first check of a
 * download, and a download whose files do not match these is reported, not silently used.
 */
export const CIFAR10_FILE_SHA256: Readonly<Record<string, string>> = {
  'data_batch_1.bin': 'cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5',
  'data_batch_2.bin': 'a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed',
  'data_batch_3.bin': 'bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67',
  'data_batch_4.bin': '014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48',
  'data_batch_5.bin': '755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add',
  [TEST_BATCH_FILE]: '8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b',
};

const FILES = [...TRAIN_BATCH_FILES, TEST_BATCH_FILE];

/** A copy that cannot be used, or not without --allow-unofficial-data; the message is one line. */
export class CifarCopyError extends Error {}

export interface CifarCopy {
  folder: string;
  official: boolean;
  /** SHA-256 of each file */
  sha256: Record<string, string>;
  /** what differs from the official files (empty for an official copy) */
  differences: string[];
}

interface Remembered {
  size: number;
  mtimeMs: number;
  sha256: string;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const bytes = (n: number) => n.toLocaleString('en-US');

/**
 * Checks the six files of a CIFAR-10 folder. Throws CifarCopyError for a file that is missing or
 * not whole records, or, unless `allowUnofficial`, not the official file.
 */
export async function verifyCifarCopy(folder: string, options: { allowUnofficial: boolean; memoDir?: string }): Promise<CifarCopy> {
  const dir = resolve(folder);
  const memoPath = options.memoDir ? join(options.memoDir, 'cifar10-files.json') : null;
  const memo: Record<string, Remembered> = memoPath ? await readFile(memoPath, 'utf8').then((t) => JSON.parse(t) as Record<string, Remembered>, () => ({})) : {};
  const sha256: Record<string, string> = {};
  const differences: string[] = [];
  for (const name of FILES) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (!info || !info.isFile()) throw new CifarCopyError(`CIFAR-10 in ${dir}: ${name} is missing`);
    if (info.size % RECORD_BYTES !== 0) {
      throw new CifarCopyError(`CIFAR-10 in ${dir}: ${name} has ${bytes(info.size)} bytes, not a whole number of ${bytes(RECORD_BYTES)}-byte records (cut short or padded; the official file has ${bytes(CIFAR10_FILE_BYTES)})`);
    }
    const known = memo[path];
    const hash = known && known.size === info.size && known.mtimeMs === info.mtimeMs ? known.sha256 : await hashFile(path);
    memo[path] = { size: info.size, mtimeMs: info.mtimeMs, sha256: hash };
    sha256[name] = hash;
    if (info.size !== CIFAR10_FILE_BYTES) {
      differences.push(`${name} has ${bytes(info.size / RECORD_BYTES)} records, not ${bytes(CIFAR10_RECORDS_PER_FILE)} (${bytes(info.size)} bytes, the official file has ${bytes(CIFAR10_FILE_BYTES)})`);
    } else if (hash !== CIFAR10_FILE_SHA256[name]) {
      differences.push(`${name} has SHA-256 ${hash.slice(0, 16)}…, the official file ${CIFAR10_FILE_SHA256[name]!.slice(0, 16)}… (same size: its images or labels were changed)`);
    }
  }
  if (memoPath) {
    await mkdir(options.memoDir!, { recursive: true });
    await writeAtomic(memoPath, JSON.stringify(memo, null, 1) + '\n');
  }
  if (differences.length > 0 && !options.allowUnofficial) {
    throw new CifarCopyError(`CIFAR-10 in ${dir} is not the official dataset: ${differences[0]}${differences.length > 1 ? ` (and ${differences.length - 1} more file${differences.length > 2 ? 's' : ''})` : ''}; --allow-unofficial-data uses it anyway`);
  }
  return { folder: dir, official: differences.length === 0, sha256, differences };
}
