// Independent training jobs (the trajectories of a stage, branches, perturbed copies, widths) run
// in separate worker processes, one per core, each with its own engine and one BLAS thread.
// A job names a module and one of its exported functions; its input and result are plain JSON,
// and anything large goes through files (a step's scratch folder), never through the pipe.
import { fork, type ChildProcess } from 'node:child_process';
import { programArgs } from '../root.ts';
import { jobFunction } from './job-modules.ts';

export interface Job<I = unknown> {
  /** repo-relative module path, declared in the step's `jobs` (step.ts) */
  module: string;
  /** the exported async function to call: (input, report) => result */
  fn: string;
  input: I;
  /** shown on the progress display */
  label: string;
  /** the step that runs it (set by the runner), for executors that record their jobs by step */
  step?: string;
}

export type JobReport = (done: number, total: number, detail?: string) => void;
export type JobFunction<I, O> = (input: I, report: JobReport) => Promise<O>;

export interface JobRunner {
  /** how many jobs run at once */
  readonly size: number;
  run<I, O>(job: Job<I>, report?: JobReport): Promise<O>;
  /** where the jobs stand, for the progress display (an executor that has more to say than its size) */
  status?(): string;
  close(): Promise<void>;
}

type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; id: number; done: number; total: number; detail?: string }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; message: string; stack?: string };

/** Runs jobs in this process, one at a time: for one core, and for tests that want no children. */
export class InlineRunner implements JobRunner {
  readonly size = 1;

  async run<I, O>(job: Job<I>, report: JobReport = () => {}): Promise<O> {
    const fn = await jobFunction(job.module, job.fn);
    return (await fn(job.input, report)) as O;
  }

  async close(): Promise<void> {}
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  report: JobReport;
  label: string;
}

interface Worker {
  child: ChildProcess;
  busy: boolean;
  ready: Promise<void>;
  current: number | null;
}

export class WorkerPool implements JobRunner {
  private readonly workers: Worker[] = [];
  private readonly queue: Array<{ id: number; job: Job; pending: Pending }> = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`a worker pool needs at least one worker, got ${size}`);
  }

  private spawn(): Worker {
    // worker.ts, or in a bundle its program's worker-process command
    const { execArgv, file, args } = programArgs('pipeline/workers/worker.ts', ['worker-process'], []);
    const child = fork(file, args, {
      execArgv,
      // one BLAS / OpenMP thread per worker: the workers themselves fill the cores
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', LANDSCAPE_NATIVE_THREADS: '1', LANDSCAPE_SIMD_THREADS: '1', ...this.env, LANDSCAPE_WORKER: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    let markReady: () => void = () => {};
    const worker: Worker = { child, busy: false, current: null, ready: new Promise((r) => (markReady = r)) };
    child.on('message', (message: FromWorker) => {
      if (message.type === 'ready') return markReady();
      const pending = this.pending.get(message.id);
      if (!pending) return;
      if (message.type === 'progress') return pending.report(message.done, message.total, message.detail);
      this.pending.delete(message.id);
      worker.busy = false;
      worker.current = null;
      if (message.type === 'result') pending.resolve(message.result);
      else {
        const error = new Error(`${pending.label}: ${message.message}`);
        if (message.stack) error.stack = message.stack;
        pending.reject(error);
      }
      this.dispatch();
    });
    child.on('exit', (code, signal) => {
      const index = this.workers.indexOf(worker);
      if (index >= 0) this.workers.splice(index, 1);
      if (worker.current !== null) {
        const pending = this.pending.get(worker.current);
        this.pending.delete(worker.current);
        pending?.reject(new Error(`${pending.label}: worker process exited (${signal ?? `code ${code}`})`));
      }
      if (!this.closed) this.dispatch();
    });
    return worker;
  }

  run<I, O>(job: Job<I>, report: JobReport = () => {}): Promise<O> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise<O>((resolve, reject) => {
      const id = this.nextId++;
      this.queue.push({ id, job, pending: { resolve: resolve as (v: unknown) => void, reject, report, label: job.label } });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let worker = this.workers.find((w) => !w.busy);
      if (!worker && this.workers.length < this.size) {
        worker = this.spawn();
        this.workers.push(worker);
      }
      if (!worker) return;
      const { id, job, pending } = this.queue.shift()!;
      worker.busy = true;
      worker.current = id;
      this.pending.set(id, pending);
      const target = worker;
      void target.ready.then(() => target.child.send({ type: 'job', id, module: job.module, fn: job.fn, input: job.input }));
    }
  }

  /** Stops the workers: idle ones are asked to exit, busy ones (orphaned jobs) are killed. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.pending.reject(new Error('the worker pool was closed'));
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
            w.child.once('exit', () => resolve());
            if (w.busy) w.child.kill('SIGTERM');
            else w.child.send({ type: 'exit' });
          }),
      ),
    );
  }
}
