// 2-D convolutions, NHWC input and HWIO filter, as matrix products over chunks of output
// pixels: the columns of a pixel are its receptive field in (kh, kw, ci) order, i.e. a row of
// the filter seen as a [kh*kw*ci, co] matrix.
//
//   forward:         y[p, :]   = col[p, :] * W                   (threads split the pixels)
//   input gradient:  dcol[p, :] = dy[p, :] * W^T, scattered back   (threads split the images)
//   filter gradient: dW[m, :]  = sum_p col[p, m] * dy[p, :]        (threads split the rows m of dW)
//
// Every output element is summed in an order fixed by the shapes and the chunk size (chosen
// by the caller from the shapes alone), so results do not depend on the number of threads.
//
// Job words: 1 N, 2 H, 3 W, 4 Ci, 5 KH, 6 KW, 7 Co, 8 OH, 9 OW, 10 strideH, 11 strideW,
// 12 dilationH, 13 dilationW, 14 padTop, 15 padLeft, 16 first input, 17 second input,
// 18 output, 19 scratch, 20 scratch bytes per thread, 21 pixels per chunk.
import { gemm, MR, packB, packedSize } from './gemm';
import { ptr, shareBegin, shareEnd, shareOf, word } from './job';

const SPILL_BYTES: usize = 256;

@inline
function zero(dst: usize, count: i32): void {
  memory.fill(dst, 0, <usize>count << 2);
}

// Short runs (a pixel's channels) as inline loops: memory.fill and memory.copy are calls,
// which cost more than the move itself for the few channels of a first layer.
@inline
function zeroRun(dst: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), i32x4.splat(0));
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), 0);
}

@inline
function copyRun(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/**
 * Columns [m0, m1) of the im2col rows of pixels [p0, p0 + rows) into dst (row stride m1 - m0).
 * The full row range (m0 = 0, m1 = kh*kw*ci) is the ordinary im2col; there, a kernel row that
 * lies inside the input (undilated) is one contiguous run of kw*ci floats.
 */
function im2col(job: usize, p0: i32, rows: i32, m0: i32, m1: i32, dst: usize): void {
  const H = word(job, 2), W = word(job, 3), Ci = word(job, 4), KH = word(job, 5), KW = word(job, 6);
  const OH = word(job, 8), OW = word(job, 9);
  const sh = word(job, 10), sw = word(job, 11), dh = word(job, 12), dw = word(job, 13);
  const pt = word(job, 14), pl = word(job, 15);
  const x = ptr(job, 16);
  const width = m1 - m0;
  const full = m0 == 0 && m1 == KH * KW * Ci;
  const tap0 = m0 / Ci, tap1 = (m1 - 1) / Ci;
  const run = KW * Ci;
  const plane = OH * OW;
  // the pixel's indices, advanced one pixel at a time
  let n = p0 / plane;
  let oh = (p0 - n * plane) / OW;
  let ow = p0 - n * plane - oh * OW;
  for (let r = 0; r < rows; r++) {
    const row = dst + (<usize>(r * width) << 2);
    const image = x + (<usize>(n * H * W * Ci) << 2);
    const iw0 = ow * sw - pl;
    if (full && dw == 1 && iw0 >= 0 && iw0 + KW <= W) {
      for (let kh = 0; kh < KH; kh++) {
        const out = row + (<usize>(kh * run) << 2);
        const ih = oh * sh - pt + kh * dh;
        if (ih < 0 || ih >= H) zeroRun(out, run);
        else copyRun(out, image + (<usize>((ih * W + iw0) * Ci) << 2), run);
      }
    } else {
      for (let tap = tap0; tap <= tap1; tap++) {
        const kh = tap / KW, kw = tap - kh * KW;
        const c0 = max(m0 - tap * Ci, 0), c1 = min(m1 - tap * Ci, Ci);
        const out = row + (<usize>(tap * Ci + c0 - m0) << 2);
        const ih = oh * sh - pt + kh * dh, iw = iw0 + kw * dw;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) zeroRun(out, c1 - c0);
        else copyRun(out, image + (<usize>((ih * W + iw) * Ci + c0) << 2), c1 - c0);
      }
    }
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        n++;
      }
    }
  }
}

/** Adds the column rows of pixels [p0, p0 + rows) back into the NHWC gradient dx (col2im). */
function col2im(job: usize, p0: i32, rows: i32, col: usize, dx: usize): void {
  const H = word(job, 2), W = word(job, 3), Ci = word(job, 4), KH = word(job, 5), KW = word(job, 6);
  const OH = word(job, 8), OW = word(job, 9);
  const sh = word(job, 10), sw = word(job, 11), dh = word(job, 12), dw = word(job, 13);
  const pt = word(job, 14), pl = word(job, 15);
  const width = KH * KW * Ci;
  const plane = OH * OW;
  const vectors = Ci >> 2;
  for (let r = 0; r < rows; r++) {
    const p = p0 + r;
    const n = p / plane, rem = p - n * plane;
    const oh = rem / OW, ow = rem - oh * OW;
    let src = col + (<usize>(r * width) << 2);
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * sh - pt + kh * dh;
      for (let kw = 0; kw < KW; kw++, src += <usize>Ci << 2) {
        const iw = ow * sw - pl + kw * dw;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
        const dst = dx + (<usize>(((n * H + ih) * W + iw) * Ci) << 2);
        for (let v = 0; v < vectors; v++) {
          const o = <usize>v << 4;
          v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
        }
        for (let c = vectors << 2; c < Ci; c++) {
          const o = <usize>c << 2;
          store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
        }
      }
    }
  }
}

@inline
function scratchOf(job: usize, t: i32): usize {
  return ptr(job, 19) + <usize>t * <usize>ptr(job, 20);
}

export function convForward(job: usize, t: i32, threads: i32): void {
  const N = word(job, 1), Ci = word(job, 4), KH = word(job, 5), KW = word(job, 6), Co = word(job, 7);
  const OH = word(job, 8), OW = word(job, 9), chunk = word(job, 21);
  const w = ptr(job, 17), y = ptr(job, 18);
  const K = KH * KW * Ci;
  const share = shareOf(N * OH * OW, MR, t, threads);
  const begin = shareBegin(share), end = shareEnd(share);
  if (begin >= end) return;
  const spill = scratchOf(job, t), wp = spill + SPILL_BYTES;
  const col = wp + (<usize>packedSize(K, Co) << 2);
  packB(w, Co, 1, K, Co, wp);
  for (let p = begin; p < end; p += chunk) {
    const rows = min(chunk, end - p);
    im2col(job, p, rows, 0, K, col);
    gemm(col, K, 1, wp, y + (<usize>(p * Co) << 2), Co, rows, Co, K, false, spill);
  }
}

export function convInputGradient(job: usize, t: i32, threads: i32): void {
  const N = word(job, 1), H = word(job, 2), W = word(job, 3), Ci = word(job, 4);
  const KH = word(job, 5), KW = word(job, 6), Co = word(job, 7);
  const OH = word(job, 8), OW = word(job, 9), chunk = word(job, 21);
  const dy = ptr(job, 16), w = ptr(job, 17), dx = ptr(job, 18);
  const K = KH * KW * Ci;
  const share = shareOf(N, 1, t, threads);
  const n0 = shareBegin(share), n1 = shareEnd(share);
  if (n0 >= n1) return;
  const spill = scratchOf(job, t);
  // B = W^T: B(co, m) = w[m * Co + co]
  const wt = spill + SPILL_BYTES;
  packB(w, 1, Co, Co, K, wt);
  const col = wt + (<usize>packedSize(Co, K) << 2);
  zero(dx + (<usize>(n0 * H * W * Ci) << 2), (n1 - n0) * H * W * Ci);
  const plane = OH * OW;
  const end = n1 * plane;
  for (let p = n0 * plane; p < end; p += chunk) {
    const rows = min(chunk, end - p);
    gemm(dy + (<usize>(p * Co) << 2), Co, 1, wt, col, K, rows, K, Co, false, spill);
    col2im(job, p, rows, col, dx);
  }
}

export function convFilterGradient(job: usize, t: i32, threads: i32): void {
  const N = word(job, 1), Ci = word(job, 4), KH = word(job, 5), KW = word(job, 6), Co = word(job, 7);
  const OH = word(job, 8), OW = word(job, 9), chunk = word(job, 21);
  const dy = ptr(job, 17), dw = ptr(job, 18);
  const K = KH * KW * Ci;
  const share = shareOf(K, MR, t, threads);
  const m0 = shareBegin(share), m1 = shareEnd(share);
  if (m0 >= m1) return;
  const width = m1 - m0;
  const spill = scratchOf(job, t), dyp = spill + SPILL_BYTES;
  const col = dyp + (<usize>packedSize(chunk, Co) << 2);
  const pixels = N * OH * OW;
  const out = dw + (<usize>(m0 * Co) << 2);
  if (pixels == 0) zero(out, width * Co);
  for (let p = 0; p < pixels; p += chunk) {
    const rows = min(chunk, pixels - p);
    im2col(job, p, rows, m0, m1, col);
    packB(dy + (<usize>(p * Co) << 2), Co, 1, rows, Co, dyp);
    // A = col^T: A(m, k) = col[k * width + m]
    gemm(col, 1, width, dyp, out, Co, width, Co, rows, p > 0, spill);
  }
}
