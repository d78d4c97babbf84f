// The N-API surface of the kernels. Every call gets the wasm heap (a Uint8Array over the
// WebAssembly memory of the tfjs wasm backend) and a Uint32Array of parameters: sizes and
// the byte offsets of the tensors in that heap. Tensors are read and written in place; every
// range is checked against the heap before any work starts.
//
// Parameter layouts (must match pipeline/engine/native-kernels.ts):
//   conv2d, conv2dBackpropInput, conv2dBackpropFilter:
//     n h w ci kh kw co oh ow sh sw dh dw pt pl | offset of: first input, second input, output
//     (forward: x, filter, y; input gradient: dy, filter, dx; filter gradient: x, dy, dW)
//   batchMatMul: batchA batchB m n k transA transB | offset a, b, out
//   binary: op ndim | offset a, b, out | sizes[ndim] stridesA[ndim] stridesB[ndim]   (op 7: out = a, a broadcast)
//   unary: op count alphaBits | offset x, out
//   reduce: mean outer reduce inner | offset x, out
//   bnRelu: rows channels epsilonBits | offset z, y, mean, rstd
//   bnReluGrad: rows channels | offset dy, z, mean, rstd, dz
//   normalizeRelu: rows channels epsilonBits | offset z, mean, variance, y
#include <cblas.h>
#include <napi.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "kernels.h"

namespace {

lsn::Pool* pool = nullptr;

struct Heap {
  uint8_t* base;
  size_t bytes;
};

struct Args {
  Napi::Env env;
  Heap heap;
  const uint32_t* p;
  size_t count;
};

Args argsOf(const Napi::CallbackInfo& info, size_t minParams) {
  if (pool == nullptr) throw Napi::Error::New(info.Env(), "landscape native kernels: init() was not called");
  if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsTypedArray())
    throw Napi::TypeError::New(info.Env(), "expected (heap: Uint8Array, params: Uint32Array)");
  auto heap = info[0].As<Napi::TypedArray>();
  auto params = info[1].As<Napi::TypedArray>();
  if (heap.TypedArrayType() != napi_uint8_array || params.TypedArrayType() != napi_uint32_array)
    throw Napi::TypeError::New(info.Env(), "expected (heap: Uint8Array, params: Uint32Array)");
  auto heapBytes = heap.As<Napi::Uint8Array>();
  auto paramWords = params.As<Napi::Uint32Array>();
  if (paramWords.ElementLength() < minParams) throw Napi::RangeError::New(info.Env(), "too few parameters");
  return {info.Env(), {heapBytes.Data(), heapBytes.ByteLength()}, paramWords.Data(), paramWords.ElementLength()};
}

/** The float32 tensor of `count` elements at byte `offset` of the heap, checked. */
float* tensorAt(const Args& a, uint32_t offset, size_t count) {
  const size_t bytes = count * sizeof(float);
  if (offset % alignof(float) != 0 || size_t(offset) > a.heap.bytes || a.heap.bytes - offset < bytes)
    throw Napi::RangeError::New(a.env, "tensor outside the wasm heap (offset " + std::to_string(offset) + ", " +
                                           std::to_string(bytes) + " bytes, heap " + std::to_string(a.heap.bytes) + ")");
  return reinterpret_cast<float*>(a.heap.base + offset);
}

lsn::ConvGeom geometryOf(const Args& a) {
  const uint32_t* p = a.p;
  lsn::ConvGeom g{int(p[0]), int(p[1]),  int(p[2]),  int(p[3]),  int(p[4]),  int(p[5]),  int(p[6]),  int(p[7]),
                  int(p[8]), int(p[9]), int(p[10]), int(p[11]), int(p[12]), int(p[13]), int(p[14])};
  for (size_t i = 0; i < 15; i++)
    if (p[i] > (1u << 30)) throw Napi::RangeError::New(a.env, "convolution size out of range");
  if (g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1) throw Napi::RangeError::New(a.env, "strides and dilations must be >= 1");
  return g;
}

size_t product(std::initializer_list<int> sizes) {
  size_t n = 1;
  for (int s : sizes) n *= size_t(s);
  return n;
}

// One kernel at a time per process: the pool and the scratch buffers are shared, and JS
// threads (worker_threads) may each load the addon.
std::mutex callMutex;

template <class F>
Napi::Value guarded(const Napi::CallbackInfo& info, F body) {
  try {
    std::lock_guard<std::mutex> lock(callMutex);
    body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(), "landscape native kernels: out of memory for scratch buffers");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("landscape native kernels: ") + e.what());
  }
  return info.Env().Undefined();
}

Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Args a = argsOf(info, 18);
    lsn::ConvGeom g = geometryOf(a);
    const float* x = tensorAt(a, a.p[15], product({g.n, g.h, g.w, g.ci}));
    const float* f = tensorAt(a, a.p[16], product({g.kh, g.kw, g.ci, g.co}));
    float* y = tensorAt(a, a.p[17], product({g.n, g.oh, g.ow, g.co}));
    lsn::conv2dForward(*pool, g, x, f, y);
  });
}

Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Args a = argsOf(info, 18);
    lsn::ConvGeom g = geometryOf(a);
    const float* dy = tensorAt(a, a.p[15], product({g.n, g.oh, g.ow, g.co}));
    const float* f = tensorAt(a, a.p[16], product({g.kh, g.kw, g.ci, g.co}));
    float* dx = tensorAt(a, a.p[17], product({g.n, g.h, g.w, g.ci}));
    lsn::conv2dBackpropInput(*pool, g, dy, f, dx);
  });
}

Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Args a = argsOf(info, 18);
    lsn::ConvGeom g = geometryOf(a);
    const float* x = tensorAt(a, a.p[15], product({g.n, g.h, g.w, g.ci}));
    const float* dy = tensorAt(a, a.p[16], product({g.n, g.oh, g.ow, g.co}));
    float* dw = tensorAt(a, a.p[17], product({g.kh, g.kw, g.ci, g.co}));
    lsn::conv2dBackpropFilter(*pool, g, x, dy, dw);
  });
}

Napi::Value BatchMatMul(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Args a = argsOf(info, 10);
    const uint32_t* p = a.p;
    for (int i = 0; i < 5; i++)
      if (p[i] > (1u << 30)) throw Napi::RangeError::New(a.env, "matmul size out of range");
    const int batchA = int(p[0]), batchB = int(p[1]), m = int(p[2]), n = int(p[3]), k = int(p[4]);
    if (batchA != batchB && batchA != 1 && batchB != 1)
      throw Napi::RangeError::New(a.env, "matmul batches must match or be 1");
    const int batch = std::max(batchA, batchB);
    const float* ta = tensorAt(a, p[7], product({batchA, m, k}));
    const float* tb = tensorAt(a, p[8], product({batchB, k, n}));
    float* out = tensorAt(a, p[9], product({batch, m, n}));
    lsn::batchMatMul(*pool, batchA, batchB, m, n, k, p[5] != 0, p[6] != 0, ta, tb, out);
  });
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Args a = argsOf(info, 5);
    const uint32_t* p = a.p;
    const int op = int(p[0]), ndim = int(p[1]);
    if (op < lsn::kAdd || op > lsn::kFirst) throw Napi::RangeError::New(a.env, "unknown binary op");
    if (ndim < 1 || ndim > lsn::kMaxDims || a.count < size_t(5 + 3 * ndim))
      throw Napi::RangeError::New(a.env, "binary: bad rank");
    int64_t sizes[lsn::kMaxDims], sa[lsn::kMaxDims], sb[lsn::kMaxDims];
    size_t total = 1, lastA = 0, lastB = 0;
    for (int d = 0; d < ndim; d++) {
      sizes[d] = p[5 + d];
      sa[d] = p[5 + ndim + d];
      sb[d] = p[5 + 2 * ndim + d];
      total *= size_t(sizes[d]);
      if (sizes[d] > 0) {
        lastA += size_t(sizes[d] - 1) * size_t(sa[d]);
        lastB += size_t(sizes[d] - 1) * size_t(sb[d]);
      }
    }
    const float* ta = tensorAt(a, p[2], total == 0 ? 0 : lastA + 1);
    const float* tb = tensorAt(a, p[3], total == 0 ? 0 : lastB + 1);
    float* out = tensorAt(a, p[4], total);
    lsn::binary(*pool, op, ndim, sizes, sa, sb, ta, tb, out);
  });
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Args a = argsOf(info, 5);
    const uint32_t* p = a.p;
    if (p[0] > lsn::kReciprocal) throw Napi::RangeError::New(a.env, "unknown unary op");
    float alpha;
    std::memcpy(&alpha, &p[2], sizeof alpha);
    const float* x = tensorAt(a, p[3], p[1]);
    float* out = tensorAt(a, p[4], p[1]);
    lsn::unary(*pool, int(p[0]), p[1], alpha, x, out);
  });
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Args a = argsOf(info, 6);
    const uint32_t* p = a.p;
    const int64_t outer = p[1], reduce = p[2], inner = p[3];
    const float* x = tensorAt(a, p[4], size_t(outer * reduce * inner));
    float* out = tensorAt(a, p[5], size_t(outer * inner));
    lsn::reduceSum(*pool, p[0] != 0, outer, reduce, inner, x, out);
  });
}

float floatOf(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

Napi::Value BnRelu(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Args a = argsOf(info, 7);
    const uint32_t* p = a.p;
    const size_t rows = p[0], channels = p[1];
    const float* z = tensorAt(a, p[3], rows * channels);
    float* y = tensorAt(a, p[4], rows * channels);
    float* mean = tensorAt(a, p[5], channels);
    float* rstd = tensorAt(a, p[6], channels);
    lsn::bnReluForward(*pool, int64_t(rows), int64_t(channels), floatOf(p[2]), z, y, mean, rstd);
  });
}

Napi::Value BnReluGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Args a = argsOf(info, 7);
    const uint32_t* p = a.p;
    const size_t rows = p[0], channels = p[1];
    const float* dy = tensorAt(a, p[2], rows * channels);
    const float* z = tensorAt(a, p[3], rows * channels);
    const float* mean = tensorAt(a, p[4], channels);
    const float* rstd = tensorAt(a, p[5], channels);
    float* dz = tensorAt(a, p[6], rows * channels);
    lsn::bnReluBackward(*pool, int64_t(rows), int64_t(channels), dy, z, mean, rstd, dz);
  });
}

Napi::Value NormalizeRelu(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Args a = argsOf(info, 7);
    const uint32_t* p = a.p;
    const size_t rows = p[0], channels = p[1];
    const float* z = tensorAt(a, p[3], rows * channels);
    const float* mean = tensorAt(a, p[4], channels);
    const float* variance = tensorAt(a, p[5], channels);
    float* y = tensorAt(a, p[6], rows * channels);
    lsn::normalizeRelu(*pool, int64_t(rows), int64_t(channels), floatOf(p[2]), z, mean, variance, y);
  });
}

/** init(threads, spinMicros): starts the pool (once) and says what the kernels run on. */
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int threads = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, lsn::kMaxThreads);
  int spin = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 200;
  spin = std::clamp(spin, 0, 100000);
  std::lock_guard<std::mutex> lock(callMutex);
  if (pool == nullptr) {
    // one threading layer: the pool's threads each call a single-threaded OpenBLAS
    openblas_set_num_threads(1);
    pool = new lsn::Pool(threads, spin);  // lives as long as the process
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("threads", pool->size());
  out.Set("blas", std::string(openblas_get_config()));
  out.Set("core", std::string(openblas_get_corename()));
  return out;
}

Napi::Object Register(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter));
  exports.Set("batchMatMul", Napi::Function::New(env, BatchMatMul));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("bnRelu", Napi::Function::New(env, BnRelu));
  exports.Set("bnReluGrad", Napi::Function::New(env, BnReluGrad));
  exports.Set("normalizeRelu", Napi::Function::New(env, NormalizeRelu));
  return exports;
}

}  // namespace

NODE_API_MODULE(landscape_native, Register)
