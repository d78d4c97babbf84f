#include <array>
#include <cstdlib>
#include <new>

#include "kernels.h"

namespace lsn {

namespace {
struct Buffer {
  float* data = nullptr;
  size_t floats = 0;
};
std::array<Buffer, size_t(kMaxThreads) * kScratchSlots> buffers;
}  // namespace

void reserveScratch(int threads, int slot, size_t floats) {
  for (int t = 0; t < threads; t++) {
    Buffer& buffer = buffers[size_t(t) * kScratchSlots + slot];
    if (buffer.floats >= floats) continue;
    std::free(buffer.data);
    buffer.data = nullptr;
    buffer.floats = 0;
    const size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;
    void* p = std::aligned_alloc(64, bytes == 0 ? 64 : bytes);
    if (p == nullptr) throw std::bad_alloc();
    buffer.data = static_cast<float*>(p);
    buffer.floats = floats;
  }
}

float* scratch(int thread, int slot) { return buffers[size_t(thread) * kScratchSlots + slot].data; }

}  // namespace lsn
