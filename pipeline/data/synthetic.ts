// The embedded synthetic dataset: 32x32 RGB images in 10 classes, written in the CIFAR-10 binary
// format so that it goes through exactly the reader that real CIFAR-10 goes through.
//
// Each class has its own shape, its own texture and its own colour statistics, but every cue is
// blurred by nuisance factors (position, scale, rotation, aspect, colour jitter, a graded
// background, small distractor shapes, low contrast, sensor noise). A small conv net can therefore
// memorise a few hundred to a few thousand images (zero training error), while some test images
// stay genuinely ambiguous, so test error stays well above zero: the regime the paper studies.
//
// Determinism: all randomness comes from seedrandom's `alea` generator, and the per-pixel work uses
// only + - * / and sqrt, which IEEE 754 rounds identically everywhere; hence the same seed gives
// byte-identical files on any machine (no sin/exp/log, whose last bit may differ between engines).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import seedrandom from 'seedrandom';
import {
  IMAGE_BYTES,
  IMAGE_SIDE,
  NUM_CLASSES,
  PLANE_BYTES,
  TEST_BATCH_FILE,
  TRAIN_BATCH_FILES,
  writeCifarBatchFile,
  type CifarBatch,
} from './cifar-format.ts';

export const SYNTHETIC_CLASS_NAMES = [
  'disc',
  'ring',
  'square',
  'triangle',
  'cross',
  'stripes',
  'checker',
  'dots',
  'bar',
  'blob',
] as const;

export interface SyntheticSpec {
  seed: number;
  train: number;
  test: number;
}

type Rng = () => number;

// Colour statistics of each class: a hue centre (0-1 around the wheel) with a narrow spread, and
// ranges of saturation and value; bar and blob take any hue and differ by saturation and value.
// Classes still overlap in colour through off-palette objects, translucency and colour jitter.
interface Palette {
  hue: number;
  hueSpread: number;
  sat: [number, number];
  val: [number, number];
}

const PALETTES: Palette[] = [
  { hue: 0.0, hueSpread: 0.03, sat: [0.6, 1.0], val: [0.55, 1.0] }, // disc: reds
  { hue: 0.125, hueSpread: 0.03, sat: [0.6, 1.0], val: [0.6, 1.0] }, // ring: oranges
  { hue: 0.25, hueSpread: 0.03, sat: [0.6, 1.0], val: [0.55, 1.0] }, // square: yellow-greens
  { hue: 0.375, hueSpread: 0.03, sat: [0.6, 1.0], val: [0.5, 1.0] }, // triangle: greens
  { hue: 0.5, hueSpread: 0.03, sat: [0.6, 1.0], val: [0.5, 1.0] }, // cross: cyans
  { hue: 0.625, hueSpread: 0.03, sat: [0.6, 1.0], val: [0.55, 1.0] }, // stripes: blues
  { hue: 0.75, hueSpread: 0.03, sat: [0.6, 1.0], val: [0.55, 1.0] }, // checker: violets
  { hue: 0.875, hueSpread: 0.03, sat: [0.6, 1.0], val: [0.6, 1.0] }, // dots: magentas
  { hue: 0.0, hueSpread: 0.5, sat: [0.0, 0.15], val: [0.15, 0.75] }, // bar: greys, any tint
  { hue: 0.0, hueSpread: 0.5, sat: [0.2, 0.45], val: [0.85, 1.0] }, // blob: pale pastels, any hue
];

/**
 * How hard the task is. Calibrated with a PyTorch replica of the paper's net (five 3x3 stride-2
 * convolutions, batch norm without affine parameters, ReLU), width 16, 1,000 test images, seed 1:
 *
 *   training images   SGD+momentum 0.9, lr 0.05   plain SGD, lr 0.01, batch 100
 *   500               0% train, 37% test          1% train, 50% test
 *   1,000             0% train, 25% test          1% train, 36% test
 *   5,000 (seed 2)    -                           10% train, 18% test after 60 epochs
 *
 * (width 8 on 200 images: 0% train, 62-74% test). Widening the ranges below makes it harder.
 */
const NUISANCE = {
  /** share of objects whose hue is drawn from the whole wheel: only shape and texture tell */
  offPalette: 0.15,
  /** object radius in pixels; small objects are much harder for a stride-2 net */
  radius: [7, 13],
  /** period of stripes, checks and dots in pixels (shorter ones alias under stride 2) */
  period: [3.5, 6],
  /** the number of distractors is uniform in 0..maxDistractors; their radius in pixels */
  maxDistractors: 1,
  distractorRadius: [2, 4],
  /** share of objects drawn half transparent */
  lowContrast: 0.15,
  /** background saturation is uniform in 0..bgSat (a colourful background hides the object's colour) */
  bgSat: 0.25,
  /** per-image noise standard deviation range, in 0-255 units */
  noise: [3, 16],
  /** scales the per-image colour gains, contrast and brightness changes */
  jitter: 0.5,
} as const;

// ---- small helpers: only correctly rounded arithmetic (see the note at the top) ----

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function frac(x: number): number {
  return x - Math.floor(x);
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Roughly standard normal: a sum of uniforms (no log or cos, so it is bit-reproducible). */
function gaussish(rng: Rng): number {
  return (rng() + rng() + rng() + rng() - 2) * 1.7320508075688772;
}

/** A random direction without trigonometry: a point in the unit disc, normalised. */
function randomDirection(rng: Rng): [number, number] {
  for (;;) {
    const a = 2 * rng() - 1;
    const b = 2 * rng() - 1;
    const r2 = a * a + b * b;
    if (r2 > 0.01 && r2 <= 1) {
      const r = Math.sqrt(r2);
      return [a / r, b / r];
    }
  }
}

/** HSV (each 0-1, hue wrapping) to RGB in 0-255. */
function hsv(h: number, s: number, v: number): [number, number, number] {
  const hh = frac(h) * 6;
  const sector = Math.floor(hh);
  const f = hh - sector;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  let r: number, g: number, b: number;
  switch (sector) {
    case 0: [r, g, b] = [v, t, p]; break;
    case 1: [r, g, b] = [q, v, p]; break;
    case 2: [r, g, b] = [p, v, t]; break;
    case 3: [r, g, b] = [p, q, v]; break;
    case 4: [r, g, b] = [t, p, v]; break;
    default: [r, g, b] = [v, p, q]; break;
  }
  return [r * 255, g * 255, b * 255];
}

function classColour(rng: Rng, cls: number): [number, number, number] {
  const p = PALETTES[cls]!;
  const hue = rng() < NUISANCE.offPalette ? rng() : p.hue + (2 * rng() - 1) * p.hueSpread;
  return hsv(hue, uniform(rng, p.sat[0], p.sat[1]), uniform(rng, p.val[0], p.val[1]));
}

// ---- shapes: coverage (0-1, antialiased over about one pixel) and a texture value (0-1) ----

/** Per-shape parameters drawn once per image. */
interface ShapeParams {
  cls: number;
  /** texture frequency in cycles per shape radius, and a phase */
  freq: number;
  phase: number;
  /** ring thickness, cross arm width, bar width... */
  width: number;
}

// results of `shapeAt`, kept in module variables so the inner loop allocates nothing
let cov = 0;
let tex = 0;

function edge(d: number, pix: number): number {
  // d: signed distance in shape units (negative inside); a ramp one pixel wide
  return clamp01(0.5 - d / pix);
}

/** Triangle wave in 0-1 turned into a soft two-level pattern. */
function soft(x: number, pix: number, freq: number): number {
  const tri = Math.abs(frac(x) - 0.5) * 2; // 0 at a stripe centre, 1 between stripes
  return clamp01((tri - 0.5) / (2 * pix * freq) + 0.5);
}

function shapeAt(q: ShapeParams, u: number, v: number, pix: number): void {
  const au = Math.abs(u);
  const av = Math.abs(v);
  switch (q.cls) {
    case 0: {
      // disc with soft shading from one side
      const r = Math.sqrt(u * u + v * v);
      cov = edge(r - 1, pix);
      tex = clamp01(0.5 + 0.5 * u);
      break;
    }
    case 1: {
      const r = Math.sqrt(u * u + v * v);
      cov = edge(Math.abs(r - 1 + q.width) - q.width, pix);
      tex = 0;
      break;
    }
    case 2: {
      // square shaded along a diagonal
      cov = edge(Math.max(au, av) - 0.85, pix);
      tex = clamp01(0.5 + 0.3 * (u + v));
      break;
    }
    case 3: {
      // equilateral triangle: three half-planes; shaded along its height
      const d = Math.max(-v - 0.5, 0.8660254037844386 * u + 0.5 * v - 0.5, -0.8660254037844386 * u + 0.5 * v - 0.5);
      cov = edge(d * 1.25, pix);
      tex = clamp01(0.5 - 0.6 * v);
      break;
    }
    case 4: {
      const w = q.width;
      const d = Math.min(Math.max(au - w, av - 1), Math.max(au - 1, av - w));
      cov = edge(d, pix);
      tex = 0;
      break;
    }
    case 5: {
      // square patch of parallel stripes
      cov = edge(Math.max(au, av) - 0.9, pix);
      tex = soft(u * q.freq + q.phase, pix, q.freq);
      break;
    }
    case 6: {
      // round patch of checkerboard
      const r = Math.sqrt(u * u + v * v);
      cov = edge(r - 1, pix);
      const a = soft(u * q.freq + q.phase, pix, q.freq);
      const b = soft(v * q.freq + q.phase, pix, q.freq);
      tex = a * b + (1 - a) * (1 - b);
      break;
    }
    case 7: {
      // polka dots inside a disc: only the dots are painted
      const r = Math.sqrt(u * u + v * v);
      const du = frac(u * q.freq + q.phase) - 0.5;
      const dv = frac(v * q.freq + q.phase) - 0.5;
      const dotR = Math.sqrt(du * du + dv * dv);
      cov = edge(r - 1, pix) * edge((dotR - 0.36) / q.freq, pix);
      tex = 0;
      break;
    }
    case 8: {
      // a thick bar with darker ends
      cov = edge(Math.max(au - 1, av - q.width), pix);
      tex = clamp01(au * au);
      break;
    }
    default: {
      // soft blob: no hard edge at all, a bright centre
      const r2 = (u * u + v * v) * 0.8;
      const fall = clamp01(1 - r2);
      cov = fall * fall * (3 - 2 * fall);
      tex = clamp01(1 - r2 * 1.5);
      break;
    }
  }
}

// ---- one image ----

const planeR = new Float32Array(PLANE_BYTES);
const planeG = new Float32Array(PLANE_BYTES);
const planeB = new Float32Array(PLANE_BYTES);

function drawShape(
  rng: Rng,
  cls: number,
  cx: number,
  cy: number,
  radius: number,
  colourA: [number, number, number],
  colourB: [number, number, number],
  opacity: number,
): void {
  const [cs, sn] = randomDirection(rng);
  const aspect = uniform(rng, 0.8, 1.25);
  const q: ShapeParams = {
    cls,
    freq: radius / uniform(rng, NUISANCE.period[0], NUISANCE.period[1]),
    phase: rng(),
    width: cls === 1 ? uniform(rng, 0.14, 0.3) : cls === 4 ? uniform(rng, 0.22, 0.38) : uniform(rng, 0.22, 0.4),
  };
  const su = radius * aspect;
  const sv = radius / aspect;
  const pix = 1 / Math.min(su, sv);
  // only pixels within reach of the shape (blobs reach a little further)
  const reach = radius * 1.5 + 1;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(IMAGE_SIDE - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(IMAGE_SIDE - 1, Math.ceil(cy + reach));
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      const u = (cs * dx + sn * dy) / su;
      const v = (cs * dy - sn * dx) / sv;
      shapeAt(q, u, v, pix);
      if (cov <= 0) continue;
      const a = cov * opacity;
      const i = y * IMAGE_SIDE + x;
      planeR[i] = planeR[i]! * (1 - a) + (colourA[0] + (colourB[0] - colourA[0]) * tex) * a;
      planeG[i] = planeG[i]! * (1 - a) + (colourA[1] + (colourB[1] - colourA[1]) * tex) * a;
      planeB[i] = planeB[i]! * (1 - a) + (colourA[2] + (colourB[2] - colourA[2]) * tex) * a;
    }
  }
}

function secondColour(rng: Rng, c: [number, number, number], lighter = false): [number, number, number] {
  // a darker or lighter shade of the main colour, so textures show as contrast within the shape
  const k = rng() < 0.5 && !lighter ? uniform(rng, 0.25, 0.55) : uniform(rng, 1.4, 1.9);
  return [Math.min(255, c[0] * k + 10), Math.min(255, c[1] * k + 10), Math.min(255, c[2] * k + 10)];
}

/** Draws image `cls` into the planes, then quantises it into `out` at `offset`. */
function renderImage(rng: Rng, cls: number, out: Uint8Array, offset: number): void {
  // background: a linear gradient between two muted colours
  const bgA = hsv(rng(), uniform(rng, 0, NUISANCE.bgSat), uniform(rng, 0.1, 0.85));
  const bgB = hsv(rng(), uniform(rng, 0, NUISANCE.bgSat), uniform(rng, 0.1, 0.85));
  const [gx, gy] = randomDirection(rng);
  for (let y = 0; y < IMAGE_SIDE; y++) {
    for (let x = 0; x < IMAGE_SIDE; x++) {
      const t = clamp01(0.5 + ((x - 15.5) * gx + (y - 15.5) * gy) / 32);
      const i = y * IMAGE_SIDE + x;
      planeR[i] = bgA[0] + (bgB[0] - bgA[0]) * t;
      planeG[i] = bgA[1] + (bgB[1] - bgA[1]) * t;
      planeB[i] = bgA[2] + (bgB[2] - bgA[2]) * t;
    }
  }

  // distractors: small faint shapes of any class, so local evidence alone is not decisive
  const distractors = Math.floor(rng() * (NUISANCE.maxDistractors + 1));
  for (let k = 0; k < distractors; k++) {
    const dc = Math.floor(rng() * NUM_CLASSES);
    const col = classColour(rng, dc);
    // drawn in this order (argument order is the order of the random draws)
    const x = uniform(rng, 2, 30);
    const y = uniform(rng, 2, 30);
    const r = uniform(rng, NUISANCE.distractorRadius[0], NUISANCE.distractorRadius[1]);
    const second = secondColour(rng, col);
    drawShape(rng, dc, x, y, r, col, second, uniform(rng, 0.25, 0.6));
  }

  // the object: random position (it may be cut by the border), scale and contrast
  const radius = uniform(rng, NUISANCE.radius[0], NUISANCE.radius[1]);
  const margin = radius * 0.6;
  const cx = uniform(rng, margin, IMAGE_SIDE - margin);
  const cy = uniform(rng, margin, IMAGE_SIDE - margin);
  const col = classColour(rng, cls);
  const opacity = rng() < NUISANCE.lowContrast ? uniform(rng, 0.35, 0.7) : uniform(rng, 0.75, 1);
  drawShape(rng, cls, cx, cy, radius, col, secondColour(rng, col, cls === 9), opacity);

  // colour jitter (per-channel gain, brightness, contrast) and sensor noise
  const j = NUISANCE.jitter;
  const gainR = 1 + j * uniform(rng, -0.15, 0.15);
  const gainG = 1 + j * uniform(rng, -0.15, 0.15);
  const gainB = 1 + j * uniform(rng, -0.15, 0.15);
  const contrast = 1 + j * uniform(rng, -0.3, 0.2);
  const bright = j * uniform(rng, -25, 25);
  const sigma = uniform(rng, NUISANCE.noise[0], NUISANCE.noise[1]);
  const mid = 127.5;
  for (let i = 0; i < PLANE_BYTES; i++) {
    const shared = gaussish(rng) * sigma * 0.6;
    const r = (planeR[i]! * gainR - mid) * contrast + mid + bright + shared + (rng() - 0.5) * sigma;
    const g = (planeG[i]! * gainG - mid) * contrast + mid + bright + shared + (rng() - 0.5) * sigma;
    const b = (planeB[i]! * gainB - mid) * contrast + mid + bright + shared + (rng() - 0.5) * sigma;
    out[offset + i] = r <= 0 ? 0 : r >= 255 ? 255 : Math.round(r);
    out[offset + PLANE_BYTES + i] = g <= 0 ? 0 : g >= 255 ? 255 : Math.round(g);
    out[offset + 2 * PLANE_BYTES + i] = b <= 0 ? 0 : b >= 255 ? 255 : Math.round(b);
  }
}

/**
 * The first `count` images of one split. Each block of ten consecutive images holds every class
 * once in a random order, so any prefix is class-balanced (counts differ by at most one) and the
 * first N images are the same whatever `count` is (N <= count).
 */
export function synthesizeSplit(seed: number, split: 'train' | 'test', count: number): CifarBatch {
  if (!Number.isInteger(count) || count < 0) throw new Error(`image count must be a whole number >= 0, got ${count}`);
  // separate streams so the test images do not depend on how many training images were drawn
  const rng = seedrandom.alea(`landscape-synthetic:${seed}:${split}`);
  const labels = new Uint8Array(count);
  const images = new Uint8Array(count * IMAGE_BYTES);
  const order = Array.from({ length: NUM_CLASSES }, (_, k) => k);
  for (let i = 0; i < count; i++) {
    const slot = i % NUM_CLASSES;
    if (slot === 0) {
      // Fisher-Yates shuffle of the ten classes for this block
      for (let k = NUM_CLASSES - 1; k > 0; k--) {
        const j = Math.floor(rng() * (k + 1));
        [order[k], order[j]] = [order[j]!, order[k]!];
      }
    }
    const cls = order[slot]!;
    labels[i] = cls;
    renderImage(rng, cls, images, i * IMAGE_BYTES);
  }
  return { labels, images, count };
}

export interface SyntheticResult {
  train: CifarBatch;
  test: CifarBatch;
  /** file names written into outDir */
  files: string[];
}

/** Writes data_batch_1.bin (all training images) and test_batch.bin into `outDir`. */
export async function generateSynthetic(spec: SyntheticSpec, outDir: string): Promise<SyntheticResult> {
  const train = synthesizeSplit(spec.seed, 'train', spec.train);
  const test = synthesizeSplit(spec.seed, 'test', spec.test);
  await mkdir(outDir, { recursive: true });
  const trainFile = TRAIN_BATCH_FILES[0];
  await writeCifarBatchFile(join(outDir, trainFile), train.labels, train.images);
  await writeCifarBatchFile(join(outDir, TEST_BATCH_FILE), test.labels, test.images);
  return { train, test, files: [trainFile, TEST_BATCH_FILE] };
}

/**
 * Encodes a grid of sample images as PNG: one row per class, `perClass` columns, each image
 * enlarged `zoom` times with a one-pixel gap. Classes with fewer images leave blanks.
 */
export function sampleGridPng(batch: CifarBatch, opts: { perClass?: number; zoom?: number } = {}): Buffer {
  const perClass = opts.perClass ?? 12;
  const zoom = opts.zoom ?? 3;
  const cell = IMAGE_SIDE * zoom + 1;
  const png = new PNG({ width: perClass * cell + 1, height: NUM_CLASSES * cell + 1 });
  png.data.fill(255);
  const used = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < batch.count; i++) {
    const cls = batch.labels[i]!;
    const col = used[cls]!;
    if (col >= perClass) continue;
    used[cls] = col + 1;
    const base = i * IMAGE_BYTES;
    for (let y = 0; y < IMAGE_SIDE * zoom; y++) {
      for (let x = 0; x < IMAGE_SIDE * zoom; x++) {
        const src = Math.floor(y / zoom) * IMAGE_SIDE + Math.floor(x / zoom);
        const px = col * cell + 1 + x;
        const py = cls * cell + 1 + y;
        const at = (py * png.width + px) * 4;
        png.data[at] = batch.images[base + src]!;
        png.data[at + 1] = batch.images[base + PLANE_BYTES + src]!;
        png.data[at + 2] = batch.images[base + 2 * PLANE_BYTES + src]!;
        png.data[at + 3] = 255;
      }
    }
  }
  return PNG.sync.write(png);
}

/** Writes the sample grid (see `sampleGridPng`) to `path`. */
export async function writeSampleGrid(
  batch: CifarBatch,
  path: string,
  opts: { perClass?: number; zoom?: number } = {},
): Promise<void> {
  await writeFile(path, sampleGridPng(batch, opts));
}
