// The Slurm commands the executor uses, and what it reads from them. Only the client commands
// every Slurm installation has (sbatch, scontrol, scancel): no accounting daemon is needed, since
// `scontrol -o show job` reports each array task's state and exit code while Slurm remembers the
// job, and each task leaves a file of its own when it ends (array.ts) for after that.
import { execFile } from 'node:child_process';

/** A task of an array as scontrol reports it. */
export interface TaskState {
  /** the array index */
  index: number;
  /** PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, ... */
  state: string;
  /** the script's exit code, and the signal that ended it (0 when none) */
  exitCode: number | null;
  signal: number | null;
  node: string | null;
  /** Slurm's own id of the task, e.g. 1234_5 */
  id: string;
}

/** States after which a task does not run again by itself (a requeued one goes back to PENDING). */
const FINAL_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'SPECIAL_EXIT']);

export function isFinal(state: string): boolean {
  return FINAL_STATES.has(state);
}

function run(command: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) => {
      if (error) {
        const why = (stderr || error.message).trim().split('\n').pop() ?? '';
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(new Error(missing ? `${command} is not on PATH: the Slurm executor needs Slurm's client commands` : `${command} ${args.join(' ')}: ${why}`));
      } else resolve(stdout);
    });
  });
}

/** sbatch --parsable with these options and script (none with --wrap); returns the job id. */
export async function sbatch(options: string[], script: string | null, scriptArgs: string[] = []): Promise<string> {
  const out = (await run('sbatch', ['--parsable', ...options, ...(script ? [script, ...scriptArgs] : [])])).trim();
  // --parsable prints "jobid" or "jobid;cluster"
  const id = out.split('\n').pop()!.split(';')[0]!.trim();
  if (!/^\d+$/.test(id)) throw new Error(`sbatch did not print a job id (it printed '${out}')`);
  return id;
}

export async function scancel(ids: string[]): Promise<void> {
  if (ids.length > 0) await run('scancel', ids);
}

/**
 * The tasks of an array job, one entry per index. Null when Slurm no longer knows the job (it
 * ended more than MinJobAge ago). Pending tasks are reported by scontrol as one line with a
 * range of indices (`ArrayTaskId=3-7%2`), expanded here.
 */
export async function arrayTasks(jobId: string): Promise<TaskState[] | null> {
  const out = await showJob(jobId);
  return out === null ? null : parseShowJob(out);
}

/** `scontrol -o show job`: one line per job (per array task), or null for a job Slurm forgot. */
async function showJob(jobId: string): Promise<string | null> {
  try {
    return await run('scontrol', ['-o', 'show', 'job', jobId]);
  } catch (error) {
    if (/Invalid job id/i.test((error as Error).message)) return null;
    throw error;
  }
}

function fieldOf(line: string, name: string): string | undefined {
  return new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(line)?.[1];
}

export function parseShowJob(text: string): TaskState[] {
  const tasks: TaskState[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const field = (name: string): string | undefined => fieldOf(line, name);
    const indices = field('ArrayTaskId');
    const arrayJob = field('ArrayJobId') ?? field('JobId') ?? '?';
    if (indices === undefined) continue;
    const [code, signal] = (field('ExitCode') ?? '').split(':').map((x) => (x === undefined || x === '' ? null : Number(x)));
    const node = field('BatchHost') ?? field('NodeList');
    const state = (field('JobState') ?? 'UNKNOWN').toUpperCase();
    for (const index of expandIndices(indices)) {
      tasks.push({ index, state, exitCode: code ?? null, signal: signal ?? null, node: node && node !== '(null)' ? node : null, id: `${arrayJob}_${index}` });
    }
  }
  return tasks;
}

/** '3', '3-7', '1,4-6', '0-9%2' -> the indices. */
export function expandIndices(spec: string): number[] {
  const list = spec.split('%')[0]!;
  const out: number[] = [];
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a)) continue;
    for (let i = a!; i <= (Number.isInteger(b) ? b! : a!); i++) out.push(i);
  }
  return out;
}

/** The --array value for these indices, with at most `parallel` tasks running at once. */
export function arraySpec(indices: number[], parallel?: number): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',') + (parallel ? `%${parallel}` : '');
}

/** The state and node of a plain (non-array) job, or null when Slurm no longer knows it. */
export async function jobState(jobId: string): Promise<{ state: string; node: string | null } | null> {
  const out = await showJob(jobId);
  if (out === null) return null;
  const line = out.split('\n').find((l) => l.trim()) ?? '';
  const field = (name: string): string | undefined => fieldOf(line, name);
  const node = field('BatchHost') ?? field('NodeList');
  return { state: (field('JobState') ?? 'UNKNOWN').toUpperCase(), node: node && node !== '(null)' ? node : null };
}
