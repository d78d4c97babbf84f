// A fixed team of worker threads for the kernels. The thread that calls run() (the JS thread)
// works as thread 0; the others spin briefly between jobs, then sleep. This is the addon's only
// threading layer: OpenBLAS is set to one thread and called inside the tasks.
//
// Tasks are claimed one at a time, and run() returns as soon as every task is done: a worker
// that is asleep or descheduled (a busy machine) is never waited for unless it holds a task.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace lsn {

class Pool {
 public:
  Pool(int threads, int spinMicros);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  int size() const { return threads_; }

  /** Calls body(task, thread) for every task in [0, tasks) and returns when all are done. Not reentrant. */
  template <class F>
  void run(int tasks, F&& body) {
    if (tasks <= 0) return;
    if (threads_ == 1 || tasks == 1) {
      for (int t = 0; t < tasks; t++) body(t, 0);
      return;
    }
    struct Ctx {
      F* body;
      int base;
    };
    auto trampoline = [](void* ctx, int task, int thread) {
      Ctx* c = static_cast<Ctx*>(ctx);
      (*c->body)(c->base + task, thread);
    };
    for (int base = 0; base < tasks; base += kMaxTasks) {
      Ctx ctx{&body, base};
      dispatch(tasks - base < kMaxTasks ? tasks - base : kMaxTasks, trampoline, &ctx);
    }
  }

 private:
  using Fn = void (*)(void*, int, int);
  // the claim word: job (24 bits) | tasks (20 bits) | next task (20 bits)
  static constexpr int kTaskBits = 20;
  static constexpr int kMaxTasks = (1 << kTaskBits) - 1;
  static uint32_t jobOf(uint64_t v) { return uint32_t(v >> (2 * kTaskBits)); }
  static int tasksOf(uint64_t v) { return int((v >> kTaskBits) & kMaxTasks); }
  static int nextOf(uint64_t v) { return int(v & kMaxTasks); }

  void dispatch(int tasks, Fn fn, void* ctx);
  /** claims and runs tasks of `job` until none is left */
  void work(uint32_t job, int thread);
  void loop(int thread);

  const int threads_;
  const int64_t spinNanos_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  int sleepers_ = 0;
  std::atomic<bool> stop_{false};
  uint32_t job_ = 0;  // the last job published (JS thread only)
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> done_{0};
  // the current job's body: written before its claim word is published, read after a task is
  // claimed (the job cannot finish, so these cannot change, while that task runs)
  std::atomic<Fn> fn_{nullptr};
  std::atomic<void*> ctx_{nullptr};
};

}  // namespace lsn
