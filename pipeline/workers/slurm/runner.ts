// The Slurm executor: a job runner (pool.ts) that runs each batch of independent jobs as one
// Slurm job array over the shared cache. The jobs a step hands over in one turn of the event loop
// (a wave's trajectories, a set of evaluations: what the local pool would run side by side) form
// one array, submitted with `sbatch --array --parsable`; its tasks run the worker entry point on
// job files (array.ts). The rules, in order, for each task at every poll:
//   1. its result file is there                          -> the job is done
//   2. Slurm reports it pending, running or requeued     -> wait (progress from its log)
//   3. Slurm reports it ended without a result, or it is gone from Slurm and its try left no
//      result for a grace period (a shared file system may show files late)
//                                                        -> the try failed: reported with its Slurm
//      id, exit code and log tail; resubmitted (it resumes from its checkpoints) up to `retries`
//      times, then the job fails
// Ctrl-C cancels every array still running (scancel) before the process exits.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Job, JobReport, JobRunner } from '../pool.ts';
import { lastProgress, logPath, logTail, readResult, readTaskRecord, scriptPath, writeArray } from './array.ts';
import type { SlurmArrayRecord, SlurmSettings, SlurmTaskTry } from './records.ts';
import { arraySpec, arrayTasks, isFinal, sbatch, scancel, type TaskState } from './scheduler.ts';

export interface SlurmRunnerOptions extends SlurmSettings {
  /** where array folders go: in the shared cache */
  dir: string;
  /** the folder of per-job locks (in the shared cache): a job never runs twice at once */
  lockDir: string;
  /** one line about a step (failures, retries) */
  log: (step: string, message: string) => void;
  pollMs?: number;
  /** how long a task may be missing from Slurm, or ended, without its result showing (ms) */
  graceMs?: number;
}

interface Task {
  index: number;
  job: Job;
  report: JobReport;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  /** current try, from 1; its submission's job id */
  attempt: number;
  jobId: string;
  settled: boolean;
  /** when it was first seen ended or missing without a result */
  missingSince: number | null;
  /** its state at the last poll */
  state: string;
  record: { index: number; job: string; tries: SlurmTaskTry[] };
}

interface SlurmArray {
  dir: string;
  step: string | null;
  tasks: Task[];
  jobIds: string[];
}

export class SlurmRunner implements JobRunner {
  readonly size: number;
  private batch: Array<Pick<Task, 'job' | 'report' | 'resolve' | 'reject'>> = [];
  private readonly arrays: SlurmArray[] = [];
  private poller: NodeJS.Timeout | null = null;
  private polling = false;
  private readonly onSignal = (signal: NodeJS.Signals): void => void this.interrupt(signal);
  /** names this runner's array folders: its start, its process, and a tag of its own */
  private readonly started = `${new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '')}-${process.pid}-${randomBytes(3).toString('hex')}`;

  constructor(private readonly options: SlurmRunnerOptions) {
    // evaluations are cut into one batch per worker: as many as may run at once
    this.size = options.maxParallel ?? 16;
  }

  run<I, O>(job: Job<I>, report: JobReport = () => {}): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => void this.submitBatch());
      this.batch.push({ job: job as Job, report, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /** The unfinished tasks by state (from scontrol), for the progress display. */
  status(): string {
    const live = this.arrays.flatMap((a) => a.tasks.filter((t) => !t.settled));
    const ids = [...new Set(live.map((t) => t.jobId))];
    const states = new Map<string, number>();
    for (const t of live) states.set(t.state.toLowerCase(), (states.get(t.state.toLowerCase()) ?? 0) + 1);
    return `Slurm ${ids.length === 1 ? 'job' : 'jobs'} ${ids.join(', ')}: ${[...states].map(([s, n]) => `${n} ${s}`).join(', ') || 'done'}`;
  }

  records(): SlurmArrayRecord[] {
    return this.arrays.map((a) => ({ step: a.step, jobIds: [...a.jobIds], tasks: a.tasks.map((t) => t.record) }));
  }

  private async submitBatch(): Promise<void> {
    const batch = this.batch.splice(0);
    if (batch.length === 0) return;
    const step = batch[0]!.job.step ?? null;
    const dir = join(this.options.dir, `${this.started}-${this.arrays.length + 1}`);
    const array: SlurmArray = { dir, step, jobIds: [], tasks: [] };
    array.tasks = batch.map((b, index) => ({ ...b, index, attempt: 1, jobId: '', settled: false, missingSince: null, state: 'SUBMITTED', record: { index, job: b.job.label, tries: [] } }));
    this.arrays.push(array);
    try {
      await writeArray(dir, batch.map(({ job }) => ({ module: job.module, fn: job.fn, input: job.input, label: job.label })), this.options.lockDir);
      await this.submit(array, array.tasks);
    } catch (error) {
      for (const task of array.tasks) this.settle(task, error as Error);
      return;
    }
    this.startPolling();
  }

  private async submit(array: SlurmArray, tasks: Task[]): Promise<void> {
    const attempt = tasks[0]!.attempt;
    const o = this.options;
    const flags = [
      `--array=${arraySpec(tasks.map((t) => t.index), o.maxParallel)}`,
      `--job-name=landscape-${(array.step ?? 'jobs').replace(/[^\w.:-]/g, '-')}`,
      `--output=${join(array.dir, `task-%a.try-${attempt}.log`)}`,
      ...(o.partition ? [`--partition=${o.partition}`] : []),
      ...(o.gres ? [`--gres=${o.gres}`] : []),
      ...(o.time ? [`--time=${o.time}`] : []),
    ];
    const jobId = await sbatch(flags, scriptPath(array.dir), [String(attempt)]);
    array.jobIds.push(jobId);
    for (const task of tasks) {
      task.jobId = jobId;
      task.missingSince = null;
    }
    this.options.log(array.step ?? 'jobs', `submitted ${tasks.length} task${tasks.length === 1 ? '' : 's'} as Slurm job array ${jobId}${attempt > 1 ? ` (try ${attempt})` : ''}`);
  }

  private startPolling(): void {
    if (this.poller) return;
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    this.poller = setInterval(() => void this.poll(), this.options.pollMs ?? 1000);
  }

  private stopPolling(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const array of this.arrays) await this.pollArray(array);
      if (this.arrays.every((a) => a.tasks.every((t) => t.settled))) this.stopPolling();
    } catch (error) {
      // a scheduler that cannot be asked now (a busy controller) is asked again at the next poll
      this.options.log('slurm', `could not read the arrays' state: ${(error as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  private async pollArray(array: SlurmArray): Promise<void> {
    const live = array.tasks.filter((t) => !t.settled);
    if (live.length === 0) return;
    const states = new Map<string, TaskState[] | null>();
    for (const id of new Set(live.map((t) => t.jobId))) states.set(id, await arrayTasks(id));
    const retry: Task[] = [];
    for (const task of live) {
      const state = states.get(task.jobId)?.find((s) => s.index === task.index) ?? null;
      task.state = state?.state ?? 'unknown';
      const result = await readResult(array.dir, task.index);
      if (result) {
        await this.noteTry(array, task, state, 'COMPLETED');
        this.settle(task, null, result.value);
        continue;
      }
      if (state && !isFinal(state.state)) {
        task.missingSince = null;
        const progress = state.state === 'RUNNING' ? await lastProgress(logPath(array.dir, task.index, task.attempt)) : null;
        if (progress) task.report(progress.done, progress.total);
        continue;
      }
      // ended, or gone from Slurm, without a result: give a shared file system time to show it
      const record = await readTaskRecord(array.dir, task.index, task.attempt);
      const now = Date.now();
      task.missingSince ??= now;
      const ended = (state && state.state !== 'COMPLETED') || (record && record.exit !== 0);
      if (!ended && now - task.missingSince < (this.options.graceMs ?? 30_000)) continue;
      const tried = await this.noteTry(array, task, state, state?.state ?? 'unknown');
      const log = logPath(array.dir, task.index, task.attempt);
      const tail = await logTail(log, 6);
      this.options.log(
        array.step ?? 'jobs',
        `${task.job.label}: Slurm task ${tried.id} ${tried.state === 'unknown' ? 'ended' : tried.state}, exit code ${tried.exitCode ?? 'unknown'}, without a result` +
          (tail.length ? `; the end of its log (${log}):\n    ${tail.join('\n    ')}` : `; no log at ${log}`),
      );
      if (task.attempt <= this.options.retries) {
        task.attempt++;
        retry.push(task);
      } else {
        const tries = task.attempt === 1 ? 'its one try' : `all ${task.attempt} tries`;
        this.settle(task, new Error(`${task.job.label}: Slurm task ${tried.id} failed (exit code ${tried.exitCode ?? 'unknown'}, ${tried.state}), ${tries} used (--retries ${this.options.retries}); log: ${log}`));
      }
    }
    // one array per try number: a try's log and record are named by it
    for (const attempt of new Set(retry.map((t) => t.attempt))) {
      const tasks = retry.filter((t) => t.attempt === attempt);
      try {
        await this.submit(array, tasks);
      } catch (error) {
        for (const task of tasks) this.settle(task, error as Error);
      }
    }
  }

  /** Records a try that ended: its node and wall time from the task's record, else from Slurm. */
  private async noteTry(array: SlurmArray, task: Task, state: TaskState | null, fallback: string): Promise<SlurmTaskTry> {
    const record = await readTaskRecord(array.dir, task.index, task.attempt);
    const tried: SlurmTaskTry = {
      id: `${task.jobId}_${task.index}`,
      state: state && isFinal(state.state) ? state.state : fallback,
      exitCode: state && isFinal(state.state) ? state.exitCode : (record?.exit ?? null),
      node: record?.node ?? state?.node ?? null,
      seconds: record ? Math.round((record.ended - record.started) * 1000) / 1000 : null,
    };
    task.record.tries.push(tried);
    return tried;
  }

  private settle(task: Task, error: Error | null, value?: unknown): void {
    if (task.settled) return;
    task.settled = true;
    if (error) task.reject(error);
    else task.resolve(value);
  }

  /** Ctrl-C (or SIGTERM): cancel what was submitted, then stop. */
  private async interrupt(signal: NodeJS.Signals): Promise<void> {
    const ids = this.liveJobIds();
    this.stopPolling();
    if (ids.length > 0) {
      console.error(`\n${signal}: cancelling Slurm job${ids.length === 1 ? '' : 's'} ${ids.join(', ')} (scancel); checkpoints so far are kept`);
      await scancel(ids).catch((error: Error) => console.error(error.message));
    }
    process.exit(signal === 'SIGINT' ? 130 : 143);
  }

  private liveJobIds(): string[] {
    return [...new Set(this.arrays.flatMap((a) => a.tasks.filter((t) => !t.settled).map((t) => t.jobId)).filter(Boolean))];
  }

  /** Cancels any array still running (a run that stops early) and stops watching. */
  async close(): Promise<void> {
    const ids = this.liveJobIds();
    this.stopPolling();
    for (const array of this.arrays) for (const task of array.tasks) this.settle(task, new Error('the Slurm executor was closed'));
    if (ids.length > 0) await scancel(ids).catch(() => {});
    // tries read as done before their script recorded the node and wall time: wait briefly for it
    const deadline = Date.now() + 10_000;
    for (const array of this.arrays) {
      for (const task of array.tasks) {
        const last = task.record.tries.at(-1);
        if (!last || last.seconds !== null || last.state !== 'COMPLETED') continue;
        let record = await readTaskRecord(array.dir, task.index, task.attempt);
        while (!record && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          record = await readTaskRecord(array.dir, task.index, task.attempt);
        }
        if (record) Object.assign(last, { node: record.node, exitCode: record.exit, seconds: Math.round((record.ended - record.started) * 1000) / 1000 });
      }
    }
  }
}
