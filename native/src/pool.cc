#include "pool.h"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpuRelax() { _mm_pause(); }
#else
static inline void cpuRelax() {}
#endif

namespace lsn {

static int64_t nowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Pool::Pool(int threads, int spinMicros) : threads_(threads < 1 ? 1 : threads), spinNanos_(int64_t(spinMicros) * 1000) {
  for (int t = 1; t < threads_; t++) workers_.emplace_back([this, t] { loop(t); });
}

Pool::~Pool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true, std::memory_order_relaxed);
    // a new job word with no tasks wakes everyone
    job_ = (job_ + 1) & 0xffffff;
    claim_.store(uint64_t(job_) << (2 * kTaskBits), std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void Pool::work(uint32_t job, int thread) {
  uint64_t v = claim_.load(std::memory_order_acquire);
  for (;;) {
    if (jobOf(v) != job || nextOf(v) >= tasksOf(v)) return;
    if (!claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    fn_.load(std::memory_order_relaxed)(ctx_.load(std::memory_order_relaxed), nextOf(v), thread);
    done_.fetch_add(1, std::memory_order_release);
    v = claim_.load(std::memory_order_acquire);
  }
}

void Pool::dispatch(int tasks, Fn fn, void* ctx) {
  fn_.store(fn, std::memory_order_relaxed);
  ctx_.store(ctx, std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  job_ = (job_ + 1) & 0xffffff;
  const uint64_t word = (uint64_t(job_) << (2 * kTaskBits)) | (uint64_t(tasks) << kTaskBits);
  bool anyAsleep;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    claim_.store(word, std::memory_order_release);
    anyAsleep = sleepers_ > 0;
  }
  if (anyAsleep) wake_.notify_all();
  work(job_, 0);
  // every task is claimed; wait for those still running elsewhere
  int spins = 0;
  while (done_.load(std::memory_order_acquire) != tasks) {
    if (++spins < 4096) cpuRelax();
    else std::this_thread::yield();
  }
}

void Pool::loop(int thread) {
  uint32_t seen = 0;
  for (;;) {
    uint32_t job = jobOf(claim_.load(std::memory_order_acquire));
    if (job == seen) {
      // spin a little (the next kernel usually follows within microseconds), then sleep
      const int64_t until = nowNanos() + spinNanos_;
      int spins = 0;
      while ((job = jobOf(claim_.load(std::memory_order_acquire))) == seen) {
        cpuRelax();
        if ((++spins & 255) == 0 && nowNanos() > until) {
          std::unique_lock<std::mutex> lock(mutex_);
          sleepers_++;
          wake_.wait(lock, [&] { return jobOf(claim_.load(std::memory_order_acquire)) != seen; });
          sleepers_--;
        }
      }
    }
    seen = job;
    if (stop_.load(std::memory_order_relaxed)) return;
    work(job, thread);
  }
}

}  // namespace lsn
