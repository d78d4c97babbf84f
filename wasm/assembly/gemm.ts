// Single-threaded sgemm on unpacked operands, the core of every convolution here:
//
//   C[m, n] (+)= sum_k A(m, k) * B(k, n)        m < M, n < N, k < K
//
// A is read in place through two strides (elements): A(m, k) = a[m * ars + k * acs], so both
// an im2col matrix and its transpose serve without a copy. B comes packed by packB: panels of
// NR columns, each K rows of NR contiguous floats (zero past N), so that a tile reads it
// sequentially. C is row-major with leading dimension ldc.
//
// The micro-kernel keeps a 6 x 8 tile of C in twelve 128-bit registers: per k, two loads of B,
// six broadcasts of A and twelve multiply-adds. K is walked in blocks of KC so that a tile's
// slices of A and B (6 and 8 floats by KC) stay in L1 together; within a block the loop runs
// over row panels, then column panels, so the packed B of the block stays in L2.
//
// Edge tiles: missing rows of A re-read the last valid row and are computed into `spill`,
// then dropped, as are the padded columns.

// With relaxed SIMD (the FMA build) the tile is 4 x 8: its multiply-adds fuse, and V8 keeps
// eight accumulators in registers where twelve would spill.
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 4 : 6;
export const NR: i32 = 8;

@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** The 4 x 8 tile of the FMA build (see tile below for the arguments). */
@inline
function tile4(ap: usize, r1: usize, r2: usize, r3: usize, ks: usize,
               bp: usize, bks: usize, K: i32, out: usize, ld: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap + r1);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap + r2);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap + r3);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    ap += ks;
    bp += bks;
  }
  if (add) {
    c00 = f32x4.add(c00, v128.load(out)); c01 = f32x4.add(c01, v128.load(out, 16));
    c10 = f32x4.add(c10, v128.load(out + ld)); c11 = f32x4.add(c11, v128.load(out + ld, 16));
    c20 = f32x4.add(c20, v128.load(out + 2 * ld)); c21 = f32x4.add(c21, v128.load(out + 2 * ld, 16));
    c30 = f32x4.add(c30, v128.load(out + 3 * ld)); c31 = f32x4.add(c31, v128.load(out + 3 * ld, 16));
  }
  v128.store(out, c00); v128.store(out, c01, 16);
  v128.store(out + ld, c10); v128.store(out + ld, c11, 16);
  v128.store(out + 2 * ld, c20); v128.store(out + 2 * ld, c21, 16);
  v128.store(out + 3 * ld, c30); v128.store(out + 3 * ld, c31, 16);
}

// The tile's K loop, shared by every variant below: acc = sum_k A(rows 0..5, k) * B(k, 0..7),
// left in the twelve accumulators and written to `out` (row stride `ld` bytes), added to what
// is there when `add`. A separate copy per use keeps each loop free of branches, which V8
// needs to keep all twelve accumulators in registers.
@inline
function tile(ap: usize, r1: usize, r2: usize, r3: usize, r4: usize, r5: usize, ks: usize,
              bp: usize, bks: usize, K: i32, out: usize, ld: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap + r1);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap + r2);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap + r3);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    a = v128.load32_splat(ap + r4);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    a = v128.load32_splat(ap + r5);
    c50 = madd(a, b0, c50); c51 = madd(a, b1, c51);
    ap += ks;
    bp += bks;
  }
  if (add) {
    c00 = f32x4.add(c00, v128.load(out)); c01 = f32x4.add(c01, v128.load(out, 16));
    c10 = f32x4.add(c10, v128.load(out + ld)); c11 = f32x4.add(c11, v128.load(out + ld, 16));
    c20 = f32x4.add(c20, v128.load(out + 2 * ld)); c21 = f32x4.add(c21, v128.load(out + 2 * ld, 16));
    c30 = f32x4.add(c30, v128.load(out + 3 * ld)); c31 = f32x4.add(c31, v128.load(out + 3 * ld, 16));
    c40 = f32x4.add(c40, v128.load(out + 4 * ld)); c41 = f32x4.add(c41, v128.load(out + 4 * ld, 16));
    c50 = f32x4.add(c50, v128.load(out + 5 * ld)); c51 = f32x4.add(c51, v128.load(out + 5 * ld, 16));
  }
  v128.store(out, c00); v128.store(out, c01, 16);
  v128.store(out + ld, c10); v128.store(out + ld, c11, 16);
  v128.store(out + 2 * ld, c20); v128.store(out + 2 * ld, c21, 16);
  v128.store(out + 3 * ld, c30); v128.store(out + 3 * ld, c31, 16);
  v128.store(out + 4 * ld, c40); v128.store(out + 4 * ld, c41, 16);
  v128.store(out + 5 * ld, c50); v128.store(out + 5 * ld, c51, 16);
}

// Each variant is one function called from two places (with and without `add`), which keeps
// the optimizer from inlining it into gemmBlock, where V8 would no longer keep the twelve
// accumulators in registers (measured: a third slower).
function fullTile(ap: usize, rs: usize, ks: usize, bp: usize, bks: usize, K: i32, c: usize, ldc: usize, add: bool): void {
  if (ASC_FEATURE_RELAXED_SIMD) tile4(ap, rs, <usize>2 * rs, <usize>3 * rs, ks, bp, bks, K, c, ldc, add);
  else tile(ap, rs, <usize>2 * rs, <usize>3 * rs, <usize>4 * rs, <usize>5 * rs, ks, bp, bks, K, c, ldc, add);
}

// A^T operands (rows of A adjacent in memory): constant row offsets, which the compiler folds
// into the loads' immediates
function fullTileAdjacent(ap: usize, ks: usize, bp: usize, bks: usize, K: i32, c: usize, ldc: usize, add: bool): void {
  if (ASC_FEATURE_RELAXED_SIMD) tile4(ap, 4, 8, 12, ks, bp, bks, K, c, ldc, add);
  else tile(ap, 4, 8, 12, 16, 20, ks, bp, bks, K, c, ldc, add);
}

/** A tile with fewer than MR rows or NR columns: computed into `spill`, then the valid part stored. */
function edgeTile(ap: usize, rs: usize, ks: usize, rows: i32, bp: usize, bks: usize, K: i32,
                  c: usize, ldc: usize, cols: i32, accumulate: bool, spill: usize): void {
  const r1 = rows > 1 ? rs : 0;
  const r2 = rows > 2 ? <usize>2 * rs : r1;
  const r3 = rows > 3 ? <usize>3 * rs : r2;
  const r4 = rows > 4 ? <usize>4 * rs : r3;
  const r5 = rows > 5 ? <usize>5 * rs : r4;
  if (ASC_FEATURE_RELAXED_SIMD) tile4(ap, r1, r2, r3, ks, bp, bks, K, spill, <usize>(NR * 4), false);
  else tile(ap, r1, r2, r3, r4, r5, ks, bp, bks, K, spill, <usize>(NR * 4), false);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const dst = c + <usize>r * ldc + (<usize>j << 2);
      const v = load<f32>(spill + (<usize>(r * NR + j) << 2));
      store<f32>(dst, accumulate ? load<f32>(dst) + v : v);
    }
  }
}

const KC: i32 = 256;

/** Floats packB writes for a K x N matrix. */
@inline
export function packedSize(K: i32, N: i32): i32 {
  return ((N + NR - 1) / NR) * NR * K;
}

/** Packs B(k, n) = b[k * brs + n * bcs] (k < K, n < N) into dst for gemm. */
export function packB(b: usize, brs: i32, bcs: i32, K: i32, N: i32, dst: usize): void {
  for (let n0 = 0; n0 < N; n0 += NR) {
    const cols = min(NR, N - n0);
    let out = dst + (<usize>(n0 * K) << 2);
    if (cols == NR && bcs == 1) {
      for (let k = 0; k < K; k++, out += NR * 4) {
        const src = b + (<usize>(k * brs + n0) << 2);
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
      }
    } else {
      for (let k = 0; k < K; k++, out += NR * 4) {
        for (let j = 0; j < NR; j++) {
          store<f32>(out + (<usize>j << 2), j < cols ? load<f32>(b + (<usize>(k * brs + (n0 + j) * bcs) << 2)) : 0);
        }
      }
    }
  }
}

/** See the file comment; `bp` from packB; `spill` is 192 bytes of scratch for edge tiles. */
export function gemm(a: usize, ars: i32, acs: i32, bp: usize, c: usize, ldc: i32,
                     M: i32, N: i32, K: i32, accumulate: bool, spill: usize): void {
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    gemmBlock(a + (<usize>(k0 * acs) << 2), ars, acs, bp + (<usize>(k0 * NR) << 2), K, c, ldc, M, N, kc, accumulate || k0 > 0, spill);
  }
}

/** One block of K: kc rows of B's panels (panel stride K * NR floats). */
function gemmBlock(a: usize, ars: i32, acs: i32, b: usize, K: i32, c: usize, ldc: i32,
                   M: i32, N: i32, kc: i32, accumulate: bool, spill: usize): void {
  const rs = <usize>ars << 2, ks = <usize>acs << 2, bstride: usize = NR * 4, cstride = <usize>ldc << 2;
  for (let m = 0; m < M; m += MR) {
    const rows = min(MR, M - m);
    const ap = a + <usize>m * rs;
    const cp = c + <usize>m * cstride;
    for (let n = 0; n < N; n += NR) {
      const bp = b + (<usize>(n * K) << 2), out = cp + (<usize>n << 2), cols = min(NR, N - n);
      if (rows < MR || cols < NR) edgeTile(ap, rs, ks, rows, bp, bstride, kc, out, cstride, cols, accumulate, spill);
      else if (ars == 1) {
        if (accumulate) fullTileAdjacent(ap, ks, bp, bstride, kc, out, cstride, true);
        else fullTileAdjacent(ap, ks, bp, bstride, kc, out, cstride, false);
      } else if (accumulate) fullTile(ap, rs, ks, bp, bstride, kc, out, cstride, true);
      else fullTile(ap, rs, ks, bp, bstride, kc, out, cstride, false);
    }
  }
}
