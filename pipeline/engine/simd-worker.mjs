// A worker thread of the SIMD kernel pool (simd-pool.ts): it instantiates the kernels on the
// pool's shared memory and runs its share of every job the calling thread posts, for the life
// of the process (the pool unrefs it, so it never holds the process open). Plain JavaScript
// so that it loads without the TypeScript loader.
import { workerData } from 'node:worker_threads';

const { module, memory, index, threads, control, spinMicros } = workerData;
const { SEQ, DONE, FAILED, JOB } = control;
const { exports } = new WebAssembly.Instance(module, { env: { memory } });
const words = new Int32Array(memory.buffer, 0, 16);

/** The sequence number once it differs from `seen`: spun on for a while (the next job of a training step usually follows within microseconds), then slept on. */
function nextJob(seen) {
  const until = performance.now() + spinMicros / 1000;
  for (let i = 0; ; i++) {
    const seq = Atomics.load(words, SEQ);
    if (seq !== seen) return seq;
    if ((i & 255) === 255 && performance.now() > until) break;
  }
  for (;;) {
    Atomics.wait(words, SEQ, seen);
    const seq = Atomics.load(words, SEQ);
    if (seq !== seen) return seq;
  }
}

// the pool is created with SEQ at 0, and a job may be posted before this thread gets here
let seen = 0;
for (;;) {
  const seq = nextJob(seen);
  seen = seq;
  try {
    exports.work(JOB * 4, index, threads);
  } catch {
    Atomics.store(words, FAILED, 1);
  }
  // the last worker to finish wakes the caller
  if (Atomics.add(words, DONE, 1) === threads - 2) Atomics.notify(words, DONE);
}
