// The data step: turns the profile's data settings into an artifact holding the dataset in the
// CIFAR-10 binary format (data_batch_1.bin, test_batch.bin), a dataset.json describing it, and a
// samples.png to look at. Experiments read it back with `loadDataset`.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readJson, writeJson } from '../artifacts.ts';
import type { DataSettings } from '../profiles/data.ts';
import type { ArtifactRef, StepContext } from '../step.ts';
import {
  IMAGE_BYTES,
  PLANE_BYTES,
  TEST_BATCH_FILE,
  TRAIN_BATCH_FILES,
  loadCifarFolder,
  writeCifarBatchFile,
  type CifarBatch,
} from './cifar-format.ts';
import { CIFAR10_BYTES, ensureCifar10 } from './download.ts';
import { verifyCifarCopy } from './cifar-verify.ts';
import { SYNTHETIC_CLASS_NAMES, generateSynthetic, writeSampleGrid } from './synthetic.ts';

export const CIFAR10_CLASS_NAMES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

/** What dataset.json holds. */
export interface DatasetInfo {
  kind: DataSettings['kind'];
  source: 'synthetic' | 'cifar-10';
  /** the generator's seed (synthetic only) */
  seed?: number;
  train: number;
  test: number;
  classNames: string[];
  /** SHA-256 (hex) of each .bin file in the artifact, by file name */
  sha256: Record<string, string>;
  /** CIFAR-10 only: whether the files read were the official ones, and if not, how they differ */
  official?: boolean;
  differences?: string[];
}

const TRAIN_FILE = TRAIN_BATCH_FILES[0];
const DATASET_JSON = 'dataset.json';
const SAMPLES_PNG = 'samples.png';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function hashFiles(dir: string, names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = sha256(await readFile(join(dir, name)));
  return out;
}

/** Where downloads persist between runs (outside any artifact, so they survive cache keys). */
export function downloadsDir(): string {
  return resolve(process.env.LANDSCAPE_CACHE_DIR || 'cache', 'downloads');
}

export async function run(ctx: StepContext<DataSettings>): Promise<void> {
  const settings = ctx.params;
  let info: DatasetInfo;
  let trainForSamples: CifarBatch;

  if (settings.kind === 'synthetic') {
    ctx.progress(0, 1, 'generating synthetic images');
    const result = await generateSynthetic(settings, ctx.outDir);
    ctx.progress(1, 1, 'generating synthetic images');
    ctx.log(`synthetic dataset, seed ${settings.seed}: ${settings.train} training and ${settings.test} test images`);
    trainForSamples = result.train;
    info = {
      kind: 'synthetic',
      source: 'synthetic',
      seed: settings.seed,
      train: settings.train,
      test: settings.test,
      classNames: [...SYNTHETIC_CLASS_NAMES],
      sha256: await hashFiles(ctx.outDir, result.files),
    };
  } else {
    const fromEnv = process.env.LANDSCAPE_CIFAR_DIR;
    let folder: string;
    if (fromEnv) {
      folder = resolve(fromEnv);
      ctx.log(`reading CIFAR-10 from ${folder}`);
    } else {
      const downloads = downloadsDir();
      ctx.log(`CIFAR-10: using or downloading into ${downloads}`);
      folder = await ensureCifar10(downloads, {
        onProgress: (done, total) => ctx.progress(done, total ?? CIFAR10_BYTES, 'downloading CIFAR-10'),
      });
    }
    // checked before anything trains on it (cifar-verify.ts); a copy accepted as unofficial
    // must still be the one whose hashes key this step
    const copy = await verifyCifarCopy(folder, { allowUnofficial: settings.unofficial !== undefined, memoDir: resolve(process.env.LANDSCAPE_CACHE_DIR || 'cache', 'verified') });
    if (settings.unofficial && Object.entries(copy.sha256).some(([file, hash]) => settings.unofficial![file] !== hash)) {
      throw new Error(`the CIFAR-10 copy in ${folder} changed after the run started (its files' hashes are not the ones this step is keyed by)`);
    }
    const data = await loadCifarFolder(folder, settings);
    // the artifact holds only the images the profile asks for, so it is self-contained
    await writeCifarBatchFile(join(ctx.outDir, TRAIN_FILE), data.train.labels, data.train.images);
    await writeCifarBatchFile(join(ctx.outDir, TEST_BATCH_FILE), data.test.labels, data.test.images);
    ctx.log(`CIFAR-10: ${data.train.count} training and ${data.test.count} test images`);
    trainForSamples = data.train;
    info = {
      kind: 'cifar',
      source: 'cifar-10',
      train: settings.train,
      test: settings.test,
      classNames: [...CIFAR10_CLASS_NAMES],
      sha256: await hashFiles(ctx.outDir, [TRAIN_FILE, TEST_BATCH_FILE]),
      official: copy.official,
      ...(copy.official ? {} : { differences: copy.differences }),
    };
    if (!copy.official) ctx.log(`an unofficial copy of CIFAR-10: ${copy.differences.join('; ')}`);
  }

  await writeSampleGrid(trainForSamples, join(ctx.outDir, SAMPLES_PNG), { perClass: 10, zoom: 2 });
  await writeJson(ctx.outDir, DATASET_JSON, info);
}

/** One split as the network consumes it. */
export interface TensorSplit {
  /** count x 32 x 32 x 3 (NHWC), normalised as described at `loadDataset` */
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface LoadedDataset {
  train: TensorSplit;
  test: TensorSplit;
  info: DatasetInfo;
  /** the per-channel (R, G, B) statistics used, in [0, 1] pixel units */
  normalization: { mean: [number, number, number]; std: [number, number, number] };
}

/** Per-channel mean and (population) standard deviation of the training pixels, in [0, 1] units. */
function channelStats(batch: CifarBatch): { mean: [number, number, number]; std: [number, number, number] } {
  const mean: [number, number, number] = [0, 0, 0];
  const std: [number, number, number] = [1, 1, 1];
  const n = batch.count * PLANE_BYTES;
  if (n === 0) return { mean, std };
  for (let c = 0; c < 3; c++) {
    // sums of bytes are exact integers in a double for any dataset size here
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < batch.count; i++) {
      const base = i * IMAGE_BYTES + c * PLANE_BYTES;
      for (let p = 0; p < PLANE_BYTES; p++) {
        const v = batch.images[base + p]!;
        sum += v;
        sumSq += v * v;
      }
    }
    const m = sum / n;
    const variance = Math.max(0, sumSq / n - m * m);
    mean[c] = m / 255;
    // a constant channel would divide by zero; leave it unscaled instead
    std[c] = variance > 0 ? Math.sqrt(variance) / 255 : 1;
  }
  return { mean, std };
}

function toTensorSplit(batch: CifarBatch, stats: LoadedDataset['normalization']): TensorSplit {
  const images = new Float32Array(batch.count * IMAGE_BYTES);
  const labels = new Int32Array(batch.count);
  for (let i = 0; i < batch.count; i++) {
    labels[i] = batch.labels[i]!;
    const src = i * IMAGE_BYTES;
    for (let c = 0; c < 3; c++) {
      const scale = 1 / (255 * stats.std[c]);
      const shift = stats.mean[c] / stats.std[c];
      const plane = src + c * PLANE_BYTES;
      // planar (CHW) in the file, interleaved (HWC) for the network
      for (let p = 0; p < PLANE_BYTES; p++) images[src + p * 3 + c] = batch.images[plane + p]! * scale - shift;
    }
  }
  return { images, labels, count: batch.count };
}

/**
 * Reads a data artifact for training and evaluation.
 *
 * Normalisation: each pixel byte v of channel c becomes (v / 255 - mean[c]) / std[c], where mean[c]
 * and std[c] are the mean and population standard deviation of channel c over all pixels of all
 * training images (after the division by 255). The test split uses the training statistics, so no
 * information flows from the test set into the inputs. Images come out in NHWC order.
 */
export async function loadDataset(ref: ArtifactRef | string): Promise<LoadedDataset> {
  const dir = typeof ref === 'string' ? ref : ref.dir;
  const info = await readJson<DatasetInfo>(dir, DATASET_JSON);
  for (const [name, want] of Object.entries(info.sha256)) {
    const got = sha256(await readFile(join(dir, name)));
    if (got !== want) throw new Error(`${join(dir, name)}: SHA-256 ${got} does not match ${want} in ${DATASET_JSON}`);
  }
  const data = await loadCifarFolder(dir, { train: info.train, test: info.test });
  const normalization = channelStats(data.train);
  return {
    train: toTensorSplit(data.train, normalization),
    test: toTensorSplit(data.test, normalization),
    info,
    normalization,
  };
}
