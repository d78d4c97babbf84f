// The SIMD kernels' threads and memory: one shared WebAssembly.Memory, the compiled kernels
// instantiated on it by the calling thread and by `threads - 1` worker threads. A job is
// posted by writing its words into the job block and bumping a sequence number; every thread
// runs its share (the calling thread too) and the caller waits for the others on a counter.
//
// Memory: control words, then the job block, then an arena that each kernel call lays out
// from its start (nothing persists between calls), grown on demand.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ROOT } from '../root.ts';

const PAGE = 65536;
/** control words (Int32 indices) */
const CONTROL = { SEQ: 0, DONE: 1, FAILED: 3, JOB: 256 } as const;
const JOB_WORDS = 64;
export const ARENA = PAGE;
const MAX_PAGES = 32768;
/** the worker threads' script (plain JavaScript, so that it needs no loader; a bundle carries it at this path) */
export const SIMD_WORKER_PATH = 'pipeline/engine/simd-worker.mjs';

export interface SimdExports {
  work(job: number, thread: number, threads: number): void;
  pieceMeans(partial: number, pieces: number, rows: number, channels: number, out1: number, out2: number): void;
  /** 1 in the relaxed-SIMD build (fused multiply-add), 0 in the plain one */
  FMA?: WebAssembly.Global;
}

export class SimdPool {
  readonly memory: WebAssembly.Memory;
  readonly exports: SimdExports;
  private readonly workers: Worker[] = [];
  private readonly control: Int32Array;
  private f32View: Float32Array;
  private f64View: Float64Array;
  private readonly job: Int32Array;

  /** `spinMicros`: how long an idle thread polls for the next job before it sleeps. */
  constructor(module: WebAssembly.Module, readonly threads: number, private readonly spinMicros = 0) {
    this.memory = new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared: true });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as SimdExports;
    this.control = new Int32Array(this.memory.buffer, 0, 16);
    this.job = new Int32Array(this.memory.buffer, CONTROL.JOB * 4, JOB_WORDS);
    this.f32View = new Float32Array(this.memory.buffer);
    this.f64View = new Float64Array(this.memory.buffer);
    for (let index = 1; index < threads; index++) {
      const worker = new Worker(join(ROOT, SIMD_WORKER_PATH), {
        workerData: { module, memory: this.memory, index, threads, control: CONTROL, spinMicros },
      });
      // idle workers wait on a futex; they must not keep the process alive
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** The job block, for the kernel call to fill (word 0: the operation). */
  get jobWords(): Int32Array {
    return this.job;
  }

  /** Makes the arena at least `bytes` long; views fetched before this may be stale. */
  reserve(bytes: number): void {
    const needed = ARENA + bytes;
    const current = this.memory.buffer.byteLength;
    if (needed > current) {
      const pages = Math.ceil((needed - current) / PAGE);
      if (current / PAGE + pages > MAX_PAGES) throw new Error(`simd kernels: a call needs ${(needed / 2 ** 20).toFixed(0)} MiB, more than the 2 GiB the kernels can address`);
      this.memory.grow(pages);
    }
    if (this.f32View.buffer.byteLength !== this.memory.buffer.byteLength) {
      this.f32View = new Float32Array(this.memory.buffer);
      this.f64View = new Float64Array(this.memory.buffer);
    }
  }

  get f32(): Float32Array {
    return this.f32View;
  }

  get f64(): Float64Array {
    return this.f64View;
  }

  /**
   * Runs the job in the job block on every thread and returns when all are done; with
   * `alone`, on the calling thread only (a job too small to be worth waking the others for).
   */
  run(alone = false): void {
    if (alone) {
      this.exports.work(CONTROL.JOB * 4, 0, 1);
      return;
    }
    const words = this.control;
    const others = this.threads - 1;
    if (others > 0) {
      Atomics.store(words, CONTROL.DONE, 0);
      Atomics.store(words, CONTROL.FAILED, 0);
      Atomics.add(words, CONTROL.SEQ, 1);
      Atomics.notify(words, CONTROL.SEQ);
    }
    this.exports.work(CONTROL.JOB * 4, 0, this.threads);
    if (others > 0) {
      // the others usually finish within microseconds of this thread: poll first, then sleep
      const until = performance.now() + this.spinMicros / 1000;
      for (let i = 0; ; i++) {
        const done = Atomics.load(words, CONTROL.DONE);
        if (done >= others) break;
        if ((i & 255) === 255 && performance.now() > until) Atomics.wait(words, CONTROL.DONE, done);
      }
      if (Atomics.load(words, CONTROL.FAILED) !== 0) throw new Error('simd kernels: a worker thread failed');
    }
  }
}
