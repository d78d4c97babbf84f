// Batch norm over [rows, channels] data (NHWC with rows = N*H*W; batch statistics, no learned
// shift or scale) fused with the ReLU after it, as in native/src/bn.cc:
//
//   forward:  mean, var over rows (biased); rstd = 1/sqrt(var + eps); y = max(0, (z - mean) * rstd)
//   backward: xhat = (z - mean) * rstd; g = dy where xhat > 0, else 0;
//             dz = rstd * (g - mean(g) - xhat * mean(g * xhat))      (means over rows, per channel)
//
// Channel sums are in double, per piece of rows (the piece size comes from the caller and
// depends on the shape only); the calling thread adds the pieces in order, so results do not
// depend on the number of threads.
//
// Job words: 1 rows, 2 channels, 3 piece rows, 4 pieces, then pointers per operation:
//   moments:        5 z, 6 partial sums (f64, pieces x 2 x channels)
//   normalizeRelu:  5 z, 6 shift, 7 scale, 8 y
//   gradMoments:    5 dy, 6 z, 7 mean, 8 rstd, 9 partial sums
//   gradApply:      5 dy, 6 z, 7 mean, 8 rstd, 9 mean(g), 10 mean(g * xhat), 11 dz
import { ptr, shareBegin, shareEnd, shareOf, word } from './job';

// rows per block of a piece: a block of rows stays in L1 while each group of four channels
// accumulates in registers
const BLOCK: i32 = 32;

@inline
function f4(base: usize, i: i32): v128 {
  return v128.load(base + (<usize>i << 2));
}

@inline
function high(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/**
 * Adds into s1, s2 (f64, per channel) the sums of a and a * a over rows [r0, r1), or with
 * `gradient`, of g and g * xhat (see the file comment; a = dy, b = z). Sums are in double
 * throughout (the variance is E[z^2] - E[z]^2, which float32 sums would spoil), four channels
 * at a time in registers over a block of BLOCK rows.
 */
function sums(a: usize, b: usize, C: i32, r0: i32, r1: i32, s1: usize, s2: usize, mean: usize, rstd: usize, gradient: bool): void {
  const stride = <usize>C << 2;
  const groups = C >> 2;
  for (let block = r0; block < r1; block += BLOCK) {
    const end = min(r1, block + BLOCK);
    for (let g = 0; g < groups; g++) {
      const c = g << 2;
      let lo1 = f64x2.splat(0), hi1 = f64x2.splat(0), lo2 = f64x2.splat(0), hi2 = f64x2.splat(0);
      let pa = a + <usize>block * stride + (<usize>c << 2);
      let pb = b + <usize>block * stride + (<usize>c << 2);
      if (gradient) {
        const m = f4(mean, c), s = f4(rstd, c), zero = f32x4.splat(0);
        for (let r = block; r < end; r++) {
          const xhat = f32x4.mul(f32x4.sub(v128.load(pb), m), s);
          const g4 = v128.and(v128.load(pa), f32x4.gt(xhat, zero));
          const glo = f64x2.promote_low_f32x4(g4), ghi = high(g4);
          lo1 = f64x2.add(lo1, glo);
          hi1 = f64x2.add(hi1, ghi);
          lo2 = f64x2.add(lo2, f64x2.mul(glo, f64x2.promote_low_f32x4(xhat)));
          hi2 = f64x2.add(hi2, f64x2.mul(ghi, high(xhat)));
          pa += stride;
          pb += stride;
        }
      } else {
        for (let r = block; r < end; r++) {
          const v = v128.load(pa);
          const lo = f64x2.promote_low_f32x4(v), hi = high(v);
          lo1 = f64x2.add(lo1, lo);
          hi1 = f64x2.add(hi1, hi);
          lo2 = f64x2.add(lo2, f64x2.mul(lo, lo));
          hi2 = f64x2.add(hi2, f64x2.mul(hi, hi));
          pa += stride;
        }
      }
      const o = <usize>c << 3;
      v128.store(s1 + o, f64x2.add(v128.load(s1 + o), lo1));
      v128.store(s1 + o, f64x2.add(v128.load(s1 + o, 16), hi1), 16);
      v128.store(s2 + o, f64x2.add(v128.load(s2 + o), lo2));
      v128.store(s2 + o, f64x2.add(v128.load(s2 + o, 16), hi2), 16);
    }
    // channels past the last whole group of 4
    for (let c = groups << 2; c < C; c++) {
      const o = <usize>c << 3;
      let t1: f64 = 0, t2: f64 = 0;
      for (let r = block; r < end; r++) {
        const i = <usize>(r * C + c) << 2;
        if (gradient) {
          const xhat = (load<f32>(b + i) - load<f32>(mean + (<usize>c << 2))) * load<f32>(rstd + (<usize>c << 2));
          const gv: f64 = xhat > 0 ? <f64>load<f32>(a + i) : 0;
          t1 += gv;
          t2 += gv * <f64>xhat;
        } else {
          const v = <f64>load<f32>(a + i);
          t1 += v;
          t2 += v * v;
        }
      }
      store<f64>(s1 + o, load<f64>(s1 + o) + t1);
      store<f64>(s2 + o, load<f64>(s2 + o) + t2);
    }
  }
}

function pieceSums(job: usize, t: i32, threads: i32, a: usize, b: usize, partial: usize, mean: usize, rstd: usize, gradient: bool): void {
  const rows = word(job, 1), C = word(job, 2), pieceRows = word(job, 3), pieces = word(job, 4);
  const share = shareOf(pieces, 1, t, threads);
  for (let p = shareBegin(share); p < shareEnd(share); p++) {
    const s1 = partial + (<usize>(p * 2 * C) << 3), s2 = s1 + (<usize>C << 3);
    memory.fill(s1, 0, <usize>(2 * C) << 3);
    sums(a, b, C, p * pieceRows, min(rows, (p + 1) * pieceRows), s1, s2, mean, rstd, gradient);
  }
}

export function moments(job: usize, t: i32, threads: i32): void {
  const z = ptr(job, 5);
  pieceSums(job, t, threads, z, z, ptr(job, 6), 0, 0, false);
}

export function gradMoments(job: usize, t: i32, threads: i32): void {
  pieceSums(job, t, threads, ptr(job, 5), ptr(job, 6), ptr(job, 9), ptr(job, 7), ptr(job, 8), true);
}

/** The pieces' sums added in order, divided by rows: out1 = mean of the first sum, out2 of the second. */
export function pieceMeans(partial: usize, pieces: i32, rows: i32, C: i32, out1: usize, out2: usize): void {
  for (let c = 0; c < C; c++) {
    let t1: f64 = 0, t2: f64 = 0;
    for (let p = 0; p < pieces; p++) {
      const s1 = partial + (<usize>(p * 2 * C) << 3);
      t1 += load<f64>(s1 + (<usize>c << 3));
      t2 += load<f64>(s1 + (<usize>(C + c) << 3));
    }
    store<f64>(out1 + (<usize>c << 3), t1 / <f64>rows);
    store<f64>(out2 + (<usize>c << 3), t2 / <f64>rows);
  }
}

@inline
function rowsShare(job: usize, t: i32, threads: i32): i64 {
  return shareOf(word(job, 1), word(job, 3), t, threads);
}

export function normalizeRelu(job: usize, t: i32, threads: i32): void {
  const C = word(job, 2);
  const z = ptr(job, 5), shift = ptr(job, 6), scale = ptr(job, 7), y = ptr(job, 8);
  const share = rowsShare(job, t, threads);
  const groups = C >> 2, zero = f32x4.splat(0);
  for (let r = shareBegin(share); r < shareEnd(share); r++) {
    const base = <usize>(r * C) << 2;
    for (let g = 0; g < groups; g++) {
      const o = <usize>g << 4;
      const v = f32x4.mul(f32x4.sub(v128.load(z + base + o), v128.load(shift + o)), v128.load(scale + o));
      v128.store(y + base + o, f32x4.max(v, zero));
    }
    for (let c = groups << 2; c < C; c++) {
      const o = <usize>c << 2;
      const v = (load<f32>(z + base + o) - load<f32>(shift + o)) * load<f32>(scale + o);
      store<f32>(y + base + o, v > 0 ? v : 0);
    }
  }
}

export function gradApply(job: usize, t: i32, threads: i32): void {
  const C = word(job, 2);
  const dy = ptr(job, 5), z = ptr(job, 6), mean = ptr(job, 7), rstd = ptr(job, 8);
  const meanG = ptr(job, 9), meanGx = ptr(job, 10), dz = ptr(job, 11);
  const share = rowsShare(job, t, threads);
  const groups = C >> 2, zero = f32x4.splat(0);
  for (let r = shareBegin(share); r < shareEnd(share); r++) {
    const base = <usize>(r * C) << 2;
    for (let g = 0; g < groups; g++) {
      const o = <usize>g << 4;
      const s = v128.load(rstd + o);
      const xhat = f32x4.mul(f32x4.sub(v128.load(z + base + o), v128.load(mean + o)), s);
      const g4 = v128.and(v128.load(dy + base + o), f32x4.gt(xhat, zero));
      const inner = f32x4.sub(f32x4.sub(g4, v128.load(meanG + o)), f32x4.mul(xhat, v128.load(meanGx + o)));
      v128.store(dz + base + o, f32x4.mul(s, inner));
    }
    for (let c = groups << 2; c < C; c++) {
      const o = <usize>c << 2;
      const s = load<f32>(rstd + o);
      const xhat = (load<f32>(z + base + o) - load<f32>(mean + o)) * s;
      const g: f32 = xhat > 0 ? load<f32>(dy + base + o) : 0;
      store<f32>(dz + base + o, s * (g - load<f32>(meanG + o) - xhat * load<f32>(meanGx + o)));
    }
  }
}
