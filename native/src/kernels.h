// Float32 kernels on NHWC tensors that live in the tfjs wasm heap. The addon hands them plain
// pointers into that heap (never copies); scratch memory (im2col columns, partial sums) is
// the addon's own.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pool.h"

// Hot loops are compiled for AVX-512 and AVX2 as well as baseline x86-64, picked at load time
// (GCC function multiversioning): the addon stays portable across x86-64 CPUs.
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#define LSN_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LSN_HOT
#endif
#define LSN_INLINE inline __attribute__((always_inline))

namespace lsn {

/** Geometry of a 2-D convolution (NHWC input, HWIO filter), as tfjs resolves it. */
struct ConvGeom {
  int n, h, w, ci;   // input
  int kh, kw, co;    // filter
  int oh, ow;        // output
  int sh, sw;        // strides
  int dh, dw;        // dilations
  int pt, pl;        // padding before (top, left); padding after follows from the sizes
};

void conv2dForward(Pool& pool, const ConvGeom& g, const float* x, const float* filter, float* y);
void conv2dBackpropInput(Pool& pool, const ConvGeom& g, const float* dy, const float* filter, float* dx);
void conv2dBackpropFilter(Pool& pool, const ConvGeom& g, const float* x, const float* dy, float* dw);

/** out[b] = op(a[b % batchA]) x op(b[b % batchB]); a is [M,K] ([K,M] when transA), b [K,N] ([N,K]). */
void batchMatMul(Pool& pool, int batchA, int batchB, int m, int n, int k, bool transA, bool transB, const float* a,
                 const float* b, float* out);

enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kSquaredDifference = 4, kMaximum = 5, kMinimum = 6, kFirst = 7 };
constexpr int kMaxDims = 8;
/** out (contiguous, dims sizes[0..ndim)) = op(a, b), with element strides (0 = broadcast). */
void binary(Pool& pool, int op, int ndim, const int64_t* sizes, const int64_t* stridesA, const int64_t* stridesB,
            const float* a, const float* b, float* out);

enum UnaryOp { kRelu = 0, kStep = 1, kSquare = 2, kNeg = 3, kRsqrt = 4, kSqrt = 5, kExp = 6, kLog = 7, kAbs = 8,
               kRelu6 = 9, kSigmoid = 10, kReciprocal = 11 };
void unary(Pool& pool, int op, size_t count, float alpha, const float* x, float* out);

/** out[o, i] = sum (or mean) over r of x[o, r, i]; x is [outer, reduce, inner]. */
void reduceSum(Pool& pool, bool mean, int64_t outer, int64_t reduce, int64_t inner, const float* x, float* out);

/** Batch norm over rows (batch statistics, no shift/scale) and ReLU; see bn.cc. */
void bnReluForward(Pool& pool, int64_t rows, int64_t channels, float epsilon, const float* z, float* y, float* mean,
                   float* rstd);
void bnReluBackward(Pool& pool, int64_t rows, int64_t channels, const float* dy, const float* z, const float* mean,
                    const float* rstd, float* dz);
/** y = max(0, (z - mean) / sqrt(variance + epsilon)) with given per-channel statistics. */
void normalizeRelu(Pool& pool, int64_t rows, int64_t channels, float epsilon, const float* z, const float* mean,
                   const float* variance, float* y);

constexpr int kMaxThreads = 64;
constexpr int kScratchSlots = 4;
/**
 * Per-thread scratch memory, 64-byte aligned, kept between calls. reserveScratch (on the JS
 * thread, before the tasks run; throws std::bad_alloc) makes sure every thread's buffer in
 * `slot` holds `floats`; scratch() then returns it inside a task.
 */
void reserveScratch(int threads, int slot, size_t floats);
float* scratch(int thread, int slot);

}  // namespace lsn
