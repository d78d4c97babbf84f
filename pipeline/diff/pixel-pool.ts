// The pixel diffs of a comparison, spread over worker threads. Decoding two PNGs and matching
// them is the larger part of a diff's work (about 80 ms of CPU a figure), and each figure's pair
// is independent, so with N cores N threads compare pictures while the main thread compares
// tables. With one thread the work is done in the calling thread instead.
//
// The workers are TypeScript: each registers tsx's loader before it loads its module, as the
// processes started with `node --import tsx` do (a worker thread does not inherit the loader).
import { Worker } from 'node:worker_threads';
import { comparePngs, type PixelComparison } from './pixels.ts';

interface Pending {
  resolve: (result: PixelComparison) => void;
  reject: (error: Error) => void;
}

const BOOT = `
const { workerData } = require('node:worker_threads');
import('tsx/esm/api').then(({ register }) => register()).then(() => import(workerData.entry));
`;

interface Job {
  id: number;
  a: Uint8Array;
  b: Uint8Array;
  highlight: boolean;
}

export class PixelPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  /** `threads` workers; 1 or fewer: none, every comparison in the calling thread */
  constructor(private readonly threads: number) {}

  private start(): void {
    const entry = new URL('./pixel-worker.ts', import.meta.url).href;
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(BOOT, { eval: true, workerData: { entry } });
      worker.on('message', (message: { id: number; result?: PixelComparison; error?: string }) => {
        const job = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error !== undefined) job?.reject(new Error(message.error));
        else job?.resolve(message.result!);
        this.idle.push(worker);
        this.dispatch();
      });
      worker.on('error', (error) => {
        for (const job of this.pending.values()) job.reject(error);
        this.pending.clear();
      });
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  /** Hands queued jobs to idle workers, the first queued first. */
  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.idle.shift()!.postMessage(job);
    }
  }

  compare(a: Uint8Array, b: Uint8Array, options: { highlight: boolean }): Promise<PixelComparison> {
    if (this.threads <= 1) return Promise.resolve().then(() => comparePngs(a, b, options));
    if (this.all.length === 0) this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queue.push({ id, a, b, highlight: options.highlight });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }
}
