// Batch norm (batch statistics, no shift/scale) fused with the ReLU after it, forward and
// backward, on [rows, channels] data (NHWC with rows = N*H*W). Each is two passes over the
// data, where the same computation as separate element-wise ops takes about twelve.
//
//   forward:  mean, var over rows (biased); rstd = 1/sqrt(var + eps); y = max(0, (z - mean) * rstd)
//   backward: xhat = (z - mean) * rstd; g = dy where xhat > 0, else 0;
//             dz = rstd * (g - mean(g) - xhat * mean(g * xhat))   (means over rows, per channel)
//
// Sums are in double over fixed pieces of rows (independent of the thread count), added in order.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels.h"

namespace lsn {

namespace {

constexpr int64_t kBlock = 1 << 15;

int piecesOf(int64_t rows, int64_t channels) { return int(std::clamp<int64_t>(rows * channels / kBlock, 1, 16)); }

/** s1 += z, s2 += z^2 over rows [r0, r1) */
LSN_HOT void momentRows(const float* z, int64_t channels, int64_t r0, int64_t r1, double* __restrict s1,
                        double* __restrict s2) {
  for (int64_t r = r0; r < r1; r++) {
    const float* __restrict row = z + r * channels;
    for (int64_t c = 0; c < channels; c++) {
      const double v = row[c];
      s1[c] += v;
      s2[c] += v * v;
    }
  }
}

/** s1 += g, s2 += g * xhat over rows [r0, r1) */
LSN_HOT void gradientMomentRows(const float* dy, const float* z, const float* mean, const float* rstd, int64_t channels,
                                int64_t r0, int64_t r1, double* __restrict s1, double* __restrict s2) {
  for (int64_t r = r0; r < r1; r++) {
    const float* __restrict zr = z + r * channels;
    const float* __restrict dyr = dy + r * channels;
    for (int64_t c = 0; c < channels; c++) {
      const float xhat = (zr[c] - mean[c]) * rstd[c];
      const float d = dyr[c];  // loaded unconditionally, so that the select vectorizes
      const float g = xhat > 0.0f ? d : 0.0f;
      s1[c] += double(g);
      s2[c] += double(g) * double(xhat);
    }
  }
}

/** y = max(0, (z - shift) * scale) over rows [r0, r1) */
LSN_HOT void normalizeReluRows(const float* z, const float* shift, const float* scale, int64_t channels, int64_t r0,
                               int64_t r1, float* y) {
  for (int64_t r = r0; r < r1; r++) {
    const float* __restrict zr = z + r * channels;
    float* __restrict yr = y + r * channels;
    for (int64_t c = 0; c < channels; c++) {
      const float v = (zr[c] - shift[c]) * scale[c];
      yr[c] = v > 0.0f ? v : 0.0f;
    }
  }
}

LSN_HOT void bnReluGradientRows(const float* dy, const float* z, const float* mean, const float* rstd,
                                const float* meanG, const float* meanGx, int64_t channels, int64_t r0, int64_t r1,
                                float* dz) {
  for (int64_t r = r0; r < r1; r++) {
    const float* __restrict zr = z + r * channels;
    const float* __restrict dyr = dy + r * channels;
    float* __restrict dzr = dz + r * channels;
    for (int64_t c = 0; c < channels; c++) {
      const float xhat = (zr[c] - mean[c]) * rstd[c];
      const float d = dyr[c];  // loaded unconditionally, so that the select vectorizes
      const float g = xhat > 0.0f ? d : 0.0f;
      dzr[c] = rstd[c] * (g - meanG[c] - xhat * meanGx[c]);
    }
  }
}

/** Per-channel sums over fixed pieces of rows, added in order into out1, out2. */
template <class F>
void channelSums(Pool& pool, int64_t rows, int64_t channels, F pieceSums, double* out1, double* out2) {
  const int pieces = piecesOf(rows, channels);
  reserveScratch(1, 2, size_t(pieces) * channels * 4);  // 2 arrays of doubles per piece
  double* partial = reinterpret_cast<double*>(scratch(0, 2));
  pool.run(pieces, [&](int p, int) {
    double* s1 = partial + size_t(p) * channels * 2;
    double* s2 = s1 + channels;
    std::fill(s1, s1 + 2 * channels, 0.0);
    pieceSums(p * rows / pieces, (p + 1) * rows / pieces, s1, s2);
  });
  std::fill(out1, out1 + channels, 0.0);
  std::fill(out2, out2 + channels, 0.0);
  for (int p = 0; p < pieces; p++) {
    const double* s1 = partial + size_t(p) * channels * 2;
    for (int64_t c = 0; c < channels; c++) {
      out1[c] += s1[c];
      out2[c] += s1[channels + c];
    }
  }
}

/** Runs body(r0, r1) over blocks of rows. */
template <class F>
void overRows(Pool& pool, int64_t rows, int64_t channels, F body) {
  const int64_t perTask = std::max<int64_t>(1, kBlock / std::max<int64_t>(channels, 1));
  const int tasks = int((rows + perTask - 1) / perTask);
  pool.run(tasks, [&](int t, int) { body(t * perTask, std::min(rows, (t + 1) * perTask)); });
}

}  // namespace

void bnReluForward(Pool& pool, int64_t rows, int64_t channels, float epsilon, const float* z, float* y, float* mean,
                   float* rstd) {
  if (channels == 0) return;
  std::vector<double> sum(channels), sumSq(channels);
  channelSums(
      pool, rows, channels,
      [z, channels](int64_t r0, int64_t r1, double* s1, double* s2) { momentRows(z, channels, r0, r1, s1, s2); },
      sum.data(), sumSq.data());
  for (int64_t c = 0; c < channels; c++) {
    const double m = rows > 0 ? sum[c] / double(rows) : NAN;
    const double var = rows > 0 ? std::max(0.0, sumSq[c] / double(rows) - m * m) : NAN;
    mean[c] = float(m);
    // as the composed ops do it: rsqrt of the float32 variance plus epsilon
    rstd[c] = 1.0f / std::sqrt(float(var) + epsilon);
  }
  overRows(pool, rows, channels,
           [=](int64_t r0, int64_t r1) { normalizeReluRows(z, mean, rstd, channels, r0, r1, y); });
}

void bnReluBackward(Pool& pool, int64_t rows, int64_t channels, const float* dy, const float* z, const float* mean,
                    const float* rstd, float* dz) {
  if (channels == 0 || rows == 0) return;
  std::vector<double> sumG(channels), sumGx(channels);
  channelSums(
      pool, rows, channels,
      [=](int64_t r0, int64_t r1, double* s1, double* s2) {
        gradientMomentRows(dy, z, mean, rstd, channels, r0, r1, s1, s2);
      },
      sumG.data(), sumGx.data());
  std::vector<float> meanG(channels), meanGx(channels);
  for (int64_t c = 0; c < channels; c++) {
    meanG[c] = float(sumG[c] / double(rows));
    meanGx[c] = float(sumGx[c] / double(rows));
  }
  const float* mg = meanG.data();
  const float* mgx = meanGx.data();
  overRows(pool, rows, channels,
           [=](int64_t r0, int64_t r1) { bnReluGradientRows(dy, z, mean, rstd, mg, mgx, channels, r0, r1, dz); });
}

void normalizeRelu(Pool& pool, int64_t rows, int64_t channels, float epsilon, const float* z, const float* mean,
                   const float* variance, float* y) {
  if (channels == 0) return;
  std::vector<float> scale(channels);
  for (int64_t c = 0; c < channels; c++) scale[c] = 1.0f / std::sqrt(variance[c] + epsilon);
  const float* s = scale.data();
  overRows(pool, rows, channels, [=](int64_t r0, int64_t r1) { normalizeReluRows(z, mean, s, channels, r0, r1, y); });
}

}  // namespace lsn
