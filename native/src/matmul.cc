#include <cblas.h>

#include <algorithm>

#include "kernels.h"

namespace lsn {

void batchMatMul(Pool& pool, int batchA, int batchB, int m, int n, int k, bool transA, bool transB, const float* a,
                 const float* b, float* out) {
  const int batch = std::max(batchA, batchB);
  if (batch == 0 || m == 0 || n == 0) return;
  const size_t sizeA = size_t(m) * k, sizeB = size_t(k) * n, sizeOut = size_t(m) * n;
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  // one task per matrix when there are several; otherwise blocks of rows of the one product
  const int rowBlocks = batch >= 4 ? 1 : std::clamp(m / 64, 1, 8);
  pool.run(batch * rowBlocks, [&](int task, int) {
    const int i = task / rowBlocks, block = task % rowBlocks;
    const int r0 = int(int64_t(block) * m / rowBlocks), r1 = int(int64_t(block + 1) * m / rowBlocks);
    if (r1 <= r0) return;
    const float* ai = a + (batchA == 1 ? 0 : size_t(i) * sizeA);
    const float* bi = b + (batchB == 1 ? 0 : size_t(i) * sizeB);
    float* oi = out + size_t(i) * sizeOut + size_t(r0) * n;
    if (k == 0) {
      std::fill(oi, oi + size_t(r1 - r0) * n, 0.0f);
      return;
    }
    const float* ar = transA ? ai + r0 : ai + size_t(r0) * k;
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, r1 - r0, n, k,
                1.0f, ar, lda, bi, ldb, 0.0f, oi, n);
  });
}

}  // namespace lsn
