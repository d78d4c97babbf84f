// Convolutions as matrix products: im2col (columns in HWI order, matching a row of the HWIO
// filter seen as a [kh*kw*ci, co] matrix) and a single-threaded sgemm per chunk of images,
// chunks spread over the pool. The chunking depends on the shapes only, never on the number
// of threads, so every result is the same whatever the thread count.
#include <cblas.h>

#include <algorithm>
#include <cstring>

#include "kernels.h"

namespace lsn {

namespace {

enum Slot { kColumns = 0, kPartials = 1 };

bool pointwise(const ConvGeom& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h && g.ow == g.w;
}

int columnsOf(const ConvGeom& g) { return g.kh * g.kw * g.ci; }

/** Images per chunk: 256 to 1024 rows (about 128 KiB of columns), at least 8 chunks when the batch allows (measured). */
int chunkImages(const ConvGeom& g) {
  const int rowsPerImage = std::max(1, g.oh * g.ow);
  const int k = columnsOf(g);
  const int rowsTarget = std::clamp((1 << 15) / std::max(k, 1), 256, 1024);
  int images = std::max(1, rowsTarget / rowsPerImage);
  images = std::min(images, std::max(1, (g.n + 7) / 8));
  return images;
}

// plain loops rather than memcpy/memset: the runs are short (a few channels), and inlined into
// the LSN_HOT callers they become vector moves
LSN_INLINE void copyFloats(float* __restrict d, const float* __restrict s, int count) {
  for (int i = 0; i < count; i++) d[i] = s[i];
}

LSN_INLINE void zeroFloats(float* __restrict d, int count) {
  for (int i = 0; i < count; i++) d[i] = 0.0f;
}

LSN_INLINE void addFloats(float* __restrict d, const float* __restrict s, int count) {
  for (int i = 0; i < count; i++) d[i] += s[i];
}

/** Columns of images [b0, b1): row ((b - b0) * oh + oy) * ow + ox, column (ky * kw + kx) * ci + c. */
LSN_HOT void im2col(const ConvGeom g, const float* x, int b0, int b1, float* col) {
  const int k = columnsOf(g);
  const size_t rowIn = size_t(g.w) * g.ci;
  const int span = g.kw * g.ci;
  float* dst = col;
  for (int b = b0; b < b1; b++) {
    const float* xb = x + size_t(b) * g.h * rowIn;
    for (int oy = 0; oy < g.oh; oy++) {
      for (int ox = 0; ox < g.ow; ox++, dst += k) {
        const int ix0 = ox * g.sw - g.pl;
        const bool inside = g.dw == 1 && ix0 >= 0 && ix0 + g.kw <= g.w;
        for (int ky = 0; ky < g.kh; ky++) {
          float* d = dst + ky * span;
          const int iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) {
            zeroFloats(d, span);
            continue;
          }
          const float* xr = xb + size_t(iy) * rowIn;
          if (inside) {
            copyFloats(d, xr + size_t(ix0) * g.ci, span);
            continue;
          }
          for (int kx = 0; kx < g.kw; kx++) {
            const int ix = ix0 + kx * g.dw;
            if (ix < 0 || ix >= g.w) zeroFloats(d + kx * g.ci, g.ci);
            else copyFloats(d + kx * g.ci, xr + size_t(ix) * g.ci, g.ci);
          }
        }
      }
    }
  }
}

/** dx[b0, b1) += the columns scattered back (the adjoint of im2col). */
LSN_HOT void col2imAdd(const ConvGeom g, const float* col, int b0, int b1, float* dx) {
  const int k = columnsOf(g);
  const size_t rowIn = size_t(g.w) * g.ci;
  const int span = g.kw * g.ci;
  const float* src = col;
  for (int b = b0; b < b1; b++) {
    float* xb = dx + size_t(b) * g.h * rowIn;
    for (int oy = 0; oy < g.oh; oy++) {
      for (int ox = 0; ox < g.ow; ox++, src += k) {
        const int ix0 = ox * g.sw - g.pl;
        const bool inside = g.dw == 1 && ix0 >= 0 && ix0 + g.kw <= g.w;
        for (int ky = 0; ky < g.kh; ky++) {
          const int iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          const float* s = src + ky * span;
          float* xr = xb + size_t(iy) * rowIn;
          if (inside) {
            addFloats(xr + size_t(ix0) * g.ci, s, span);
            continue;
          }
          for (int kx = 0; kx < g.kw; kx++) {
            const int ix = ix0 + kx * g.dw;
            if (ix >= 0 && ix < g.w) addFloats(xr + size_t(ix) * g.ci, s + kx * g.ci, g.ci);
          }
        }
      }
    }
  }
}

struct Chunks {
  int images;  // per chunk
  int count;
  int begin(int c) const { return c * images; }
  int end(int c, int n) const { return std::min(n, (c + 1) * images); }
};

Chunks chunksOf(const ConvGeom& g) {
  const int images = chunkImages(g);
  return {images, (g.n + images - 1) / images};
}

}  // namespace

// im2col and col2imAdd take the geometry by value: inside a task the caller's copy sits on
// another core's stack, and re-reading it in the inner loops would bounce its cache line.

void conv2dForward(Pool& pool, const ConvGeom& g, const float* x, const float* filter, float* y) {
  if (g.n == 0 || g.oh == 0 || g.ow == 0 || g.co == 0) return;
  const int k = columnsOf(g);
  const int rowsPerImage = g.oh * g.ow;
  const Chunks chunks = chunksOf(g);
  const bool direct = pointwise(g);
  if (!direct) reserveScratch(pool.size(), kColumns, size_t(chunks.images) * rowsPerImage * k);
  pool.run(chunks.count, [&](int c, int thread) {
    const int b0 = chunks.begin(c), b1 = chunks.end(c, g.n);
    const int rows = (b1 - b0) * rowsPerImage;
    const float* a;
    if (direct) {
      a = x + size_t(b0) * rowsPerImage * g.ci;
    } else {
      float* col = scratch(thread, kColumns);
      im2col(g, x, b0, b1, col);
      a = col;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, g.co, k, 1.0f, a, k, filter, g.co, 0.0f,
                y + size_t(b0) * rowsPerImage * g.co, g.co);
  });
}

void conv2dBackpropInput(Pool& pool, const ConvGeom& g, const float* dy, const float* filter, float* dx) {
  const size_t imageIn = size_t(g.h) * g.w * g.ci;
  if (g.n == 0 || imageIn == 0) return;
  const int k = columnsOf(g);
  const int rowsPerImage = g.oh * g.ow;
  if (rowsPerImage == 0 || g.co == 0) {
    std::memset(dx, 0, g.n * imageIn * sizeof(float));
    return;
  }
  const Chunks chunks = chunksOf(g);
  const bool direct = pointwise(g);
  if (!direct) reserveScratch(pool.size(), kColumns, size_t(chunks.images) * rowsPerImage * k);
  pool.run(chunks.count, [&](int c, int thread) {
    const int b0 = chunks.begin(c), b1 = chunks.end(c, g.n);
    const int rows = (b1 - b0) * rowsPerImage;
    const float* dyChunk = dy + size_t(b0) * rowsPerImage * g.co;
    if (direct) {
      // dx = dy x W^T with W as [ci, co]
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, g.ci, g.co, 1.0f, dyChunk, g.co, filter, g.co, 0.0f,
                  dx + size_t(b0) * imageIn, g.ci);
      return;
    }
    float* col = scratch(thread, kColumns);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, k, g.co, 1.0f, dyChunk, g.co, filter, g.co, 0.0f, col,
                k);
    std::memset(dx + size_t(b0) * imageIn, 0, size_t(b1 - b0) * imageIn * sizeof(float));
    col2imAdd(g, col, b0, b1, dx);
  });
}

void conv2dBackpropFilter(Pool& pool, const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const int k = columnsOf(g);
  const size_t outSize = size_t(k) * g.co;
  if (outSize == 0) return;
  const int rowsPerImage = g.oh * g.ow;
  if (g.n == 0 || rowsPerImage == 0) {
    std::memset(dw, 0, outSize * sizeof(float));
    return;
  }
  const Chunks chunks = chunksOf(g);
  const bool direct = pointwise(g);
  // the batch is the reduction: a fixed number of groups of consecutive chunks, each summed
  // into its own partial, the partials then added in order
  const int groups = std::min(chunks.count, 8);
  if (!direct) reserveScratch(pool.size(), kColumns, size_t(chunks.images) * rowsPerImage * k);
  if (groups > 1) reserveScratch(1, kPartials, size_t(groups) * outSize);
  float* partials = groups > 1 ? scratch(0, kPartials) : dw;
  pool.run(groups, [&](int group, int thread) {
    float* out = partials + size_t(group) * outSize;
    const int c0 = int(int64_t(group) * chunks.count / groups);
    const int c1 = int(int64_t(group + 1) * chunks.count / groups);
    for (int c = c0; c < c1; c++) {
      const int b0 = chunks.begin(c), b1 = chunks.end(c, g.n);
      const int rows = (b1 - b0) * rowsPerImage;
      const float* a;
      if (direct) {
        a = x + size_t(b0) * rowsPerImage * g.ci;
      } else {
        float* col = scratch(thread, kColumns);
        im2col(g, x, b0, b1, col);
        a = col;
      }
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, g.co, rows, 1.0f, a, k,
                  dy + size_t(b0) * rowsPerImage * g.co, g.co, c == c0 ? 0.0f : 1.0f, out, g.co);
    }
  });
  if (groups > 1) {
    std::memcpy(dw, partials, outSize * sizeof(float));
    for (int group = 1; group < groups; group++) addFloats(dw, partials + size_t(group) * outSize, int(outSize));
  }
}

}  // namespace lsn
