// Element-wise kernels and sum/mean reductions. Work is split into blocks whose bounds depend
// on the shapes only; reductions accumulate in double, in a fixed order. Each op's loop is its
// own LSN_HOT function (compiled per instruction set), called once per block.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels.h"

namespace lsn {

namespace {

constexpr int64_t kBlock = 1 << 15;  // elements per task

struct Strided {
  int ndim;
  int64_t sizes[kMaxDims], sa[kMaxDims], sb[kMaxDims];
};

/** out[begin, end) = f(a, b) over the broadcast geometry (a local copy, per task). */
template <class F>
LSN_INLINE void binaryRange(const Strided& s, const float* a, const float* b, float* out, int64_t begin, int64_t end,
                            F f) {
  int64_t idx[kMaxDims];
  int64_t rest = begin, oa = 0, ob = 0;
  for (int d = s.ndim - 1; d >= 0; d--) {
    idx[d] = rest % s.sizes[d];
    rest /= s.sizes[d];
    oa += idx[d] * s.sa[d];
    ob += idx[d] * s.sb[d];
  }
  const int last = s.ndim - 1;
  const int64_t n = s.sizes[last], ia = s.sa[last], ib = s.sb[last];
  int64_t pos = begin;
  while (pos < end) {
    const int64_t len = std::min(end - pos, n - idx[last]);
    float* __restrict o = out + pos;
    const float* __restrict pa = a + oa;
    const float* __restrict pb = b + ob;
    if (ia == 1 && ib == 1) {
      for (int64_t i = 0; i < len; i++) o[i] = f(pa[i], pb[i]);
    } else if (ia == 1 && ib == 0) {
      const float vb = *pb;
      for (int64_t i = 0; i < len; i++) o[i] = f(pa[i], vb);
    } else if (ia == 0 && ib == 1) {
      const float va = *pa;
      for (int64_t i = 0; i < len; i++) o[i] = f(va, pb[i]);
    } else {
      for (int64_t i = 0; i < len; i++) o[i] = f(pa[i * ia], pb[i * ib]);
    }
    pos += len;
    oa += len * ia;
    ob += len * ib;
    idx[last] += len;
    for (int d = last; d > 0 && idx[d] == s.sizes[d]; d--) {
      oa += s.sa[d - 1] - s.sizes[d] * s.sa[d];
      ob += s.sb[d - 1] - s.sizes[d] * s.sb[d];
      idx[d] = 0;
      idx[d - 1]++;
    }
  }
}

#define LSN_BINARY(name, expr)                                                                                   \
  LSN_HOT void name(const Strided& s, const float* a, const float* b, float* out, int64_t begin, int64_t end) { \
    binaryRange(s, a, b, out, begin, end, [](float u, float v) { return expr; });                               \
  }
LSN_BINARY(addRange, u + v)
LSN_BINARY(subRange, u - v)
LSN_BINARY(mulRange, u * v)
LSN_BINARY(divRange, u / v)
LSN_BINARY(squaredDifferenceRange, (u - v) * (u - v))
LSN_BINARY(maximumRange, std::isnan(u) || std::isnan(v) ? NAN : (u > v ? u : v))
LSN_BINARY(minimumRange, std::isnan(u) || std::isnan(v) ? NAN : (u < v ? u : v))
LSN_BINARY(firstRange, ((void)v, u))
#undef LSN_BINARY

using BinaryRangeFn = void (*)(const Strided&, const float*, const float*, float*, int64_t, int64_t);

#define LSN_UNARY(name, expr)                                                                          \
  LSN_HOT void name(const float* __restrict x, float* __restrict out, size_t begin, size_t end, float alpha) { \
    (void)alpha;                                                                                       \
    for (size_t i = begin; i < end; i++) {                                                             \
      const float v = x[i];                                                                            \
      out[i] = expr;                                                                                   \
    }                                                                                                  \
  }
LSN_UNARY(reluRange, v < 0.0f ? 0.0f : v)
LSN_UNARY(stepRange, std::isnan(v) ? NAN : (v > 0.0f ? 1.0f : alpha))
LSN_UNARY(squareRange, v * v)
LSN_UNARY(negRange, -v)
LSN_UNARY(rsqrtRange, 1.0f / std::sqrt(v))
LSN_UNARY(sqrtRange, std::sqrt(v))
LSN_UNARY(expRange, std::exp(v))
LSN_UNARY(logRange, std::log(v))
LSN_UNARY(absRange, std::fabs(v))
LSN_UNARY(relu6Range, v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v))
LSN_UNARY(sigmoidRange, 1.0f / (1.0f + std::exp(-v)))
LSN_UNARY(reciprocalRange, 1.0f / v)
#undef LSN_UNARY

using UnaryRangeFn = void (*)(const float*, float*, size_t, size_t, float);

/** sum of x[0..count) in double, eight interleaved accumulators */
LSN_HOT double sumContiguous(const float* x, int64_t count) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= count; i += 8)
    for (int j = 0; j < 8; j++) acc[j] += double(x[i + j]);
  for (; i < count; i++) acc[0] += double(x[i]);
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/** acc[0..inner) += rows r0..r1 of x (rows of `inner` floats) */
LSN_HOT void accumulateRows(const float* x, int64_t inner, int64_t r0, int64_t r1, double* __restrict acc) {
  for (int64_t r = r0; r < r1; r++) {
    const float* __restrict row = x + r * inner;
    for (int64_t i = 0; i < inner; i++) acc[i] += double(row[i]);
  }
}

}  // namespace

void binary(Pool& pool, int op, int ndim, const int64_t* sizes, const int64_t* sa, const int64_t* sb, const float* a,
            const float* b, float* out) {
  static const BinaryRangeFn fns[] = {addRange,     subRange,     mulRange,     divRange, squaredDifferenceRange,
                                      maximumRange, minimumRange, firstRange};
  if (op < 0 || op > kFirst || ndim < 1 || ndim > kMaxDims) return;
  const BinaryRangeFn fn = fns[op];
  Strided shared;
  shared.ndim = ndim;
  int64_t total = 1;
  for (int d = 0; d < ndim; d++) {
    shared.sizes[d] = sizes[d];
    shared.sa[d] = sa[d];
    shared.sb[d] = sb[d];
    total *= sizes[d];
  }
  if (total == 0) return;
  const int tasks = int((total + kBlock - 1) / kBlock);
  pool.run(tasks, [&](int t, int) {
    const Strided local = shared;  // the caller's copy is on another core's stack
    fn(local, a, b, out, int64_t(t) * kBlock, std::min(total, int64_t(t + 1) * kBlock));
  });
}

void unary(Pool& pool, int op, size_t count, float alpha, const float* x, float* out) {
  static const UnaryRangeFn fns[] = {reluRange, stepRange, squareRange, negRange,   rsqrtRange,   sqrtRange,
                                     expRange,  logRange,  absRange,    relu6Range, sigmoidRange, reciprocalRange};
  if (op < 0 || op > kReciprocal || count == 0) return;
  const UnaryRangeFn fn = fns[op];
  const int tasks = int((int64_t(count) + kBlock - 1) / kBlock);
  pool.run(tasks, [&](int t, int) {
    fn(x, out, size_t(t) * kBlock, std::min(count, size_t(t + 1) * kBlock), alpha);
  });
}

void reduceSum(Pool& pool, bool mean, int64_t outer, int64_t reduce, int64_t inner, const float* x, float* out) {
  const int64_t outSize = outer * inner;
  if (outSize == 0) return;
  const double scale = mean ? 1.0 / double(reduce) : 1.0;
  if (reduce == 0) {
    std::fill(out, out + outSize, mean ? NAN : 0.0f);
    return;
  }
  if (inner == 1) {
    if (outer > 1 || reduce < 2 * kBlock) {
      // one output per contiguous run; blocks of outputs per task
      const int64_t perTask = std::max<int64_t>(1, kBlock / reduce);
      const int tasks = int((outer + perTask - 1) / perTask);
      pool.run(tasks, [&](int t, int) {
        const int64_t o1 = std::min(outer, (t + 1) * perTask);
        for (int64_t o = t * perTask; o < o1; o++) out[o] = float(sumContiguous(x + o * reduce, reduce) * scale);
      });
      return;
    }
    // one long run: fixed pieces, partial sums added in order
    const int pieces = int(std::min<int64_t>(16, (reduce + kBlock - 1) / kBlock));
    double partial[16];
    pool.run(pieces, [&](int p, int) {
      const int64_t r0 = p * reduce / pieces, r1 = (p + 1) * reduce / pieces;
      partial[p] = sumContiguous(x + r0, r1 - r0);
    });
    double total = 0;
    for (int p = 0; p < pieces; p++) total += partial[p];
    out[0] = float(total * scale);
    return;
  }
  // rows of `inner` values; split over the outer index when there are enough, else over pieces
  // of the reduced rows
  const int64_t work = reduce * inner;
  const int pieces = int(std::clamp<int64_t>(work / kBlock, 1, 16));
  if (outer >= pieces || pieces == 1) {
    reserveScratch(pool.size(), 0, size_t(inner) * 2);
    const int64_t perTask = std::max<int64_t>(1, kBlock / work);
    const int tasks = int((outer + perTask - 1) / perTask);
    pool.run(tasks, [&](int t, int thread) {
      double* acc = reinterpret_cast<double*>(scratch(thread, 0));
      const int64_t o1 = std::min(outer, (t + 1) * perTask);
      for (int64_t o = t * perTask; o < o1; o++) {
        std::fill(acc, acc + inner, 0.0);
        accumulateRows(x + o * work, inner, 0, reduce, acc);
        for (int64_t i = 0; i < inner; i++) out[o * inner + i] = float(acc[i] * scale);
      }
    });
    return;
  }
  reserveScratch(1, 1, size_t(pieces) * inner * 2);
  double* partials = reinterpret_cast<double*>(scratch(0, 1));
  for (int64_t o = 0; o < outer; o++) {
    const float* xo = x + o * work;
    pool.run(pieces, [&](int p, int) {
      double* acc = partials + size_t(p) * inner;
      std::fill(acc, acc + inner, 0.0);
      accumulateRows(xo, inner, p * reduce / pieces, (p + 1) * reduce / pieces, acc);
    });
    for (int64_t i = 0; i < inner; i++) {
      double total = 0;
      for (int p = 0; p < pieces; p++) total += partials[size_t(p) * inner + i];
      out[o * inner + i] = float(total * scale);
    }
  }
}

}  // namespace lsn
