// An array's folder in the shared cache: the files through which the pipeline and the array's
// tasks talk. The pipeline writes the batch script and one job file per task; a task runs its job
// file with the worker entry point (`landscape worker`, the same code the local pool runs), whose
// result appears beside it, written whole, last; then the script records where and how long it
// ran. Nothing else passes between them, so any node that sees the cache can run any task.
//
//   script.sh                 the batch script; `sbatch --array` runs it once per index
//   job-<i>.json              task i's job (job-file.ts)
//   job-<i>.result.json       its result: present means the job finished
//   task-<i>.try-<n>.log      the output of try n (progress lines, errors)
//   task-<i>.try-<n>.json     {node, started, ended, exit} of try n, written when it ended
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../../artifacts.ts';
import { programArgs, ROOT } from '../../root.ts';
import { resultPathOf, writeJobFile, type JobFile } from '../job-file.ts';

export interface TaskRecord {
  node: string;
  /** seconds since the epoch */
  started: number;
  ended: number;
  exit: number;
}

export const jobPath = (dir: string, index: number): string => join(dir, `job-${index}.json`);
export const resultPath = (dir: string, index: number): string => resultPathOf(jobPath(dir, index));
export const logPath = (dir: string, index: number, attempt: number): string => join(dir, `task-${index}.try-${attempt}.log`);
export const recordPath = (dir: string, index: number, attempt: number): string => join(dir, `task-${index}.try-${attempt}.json`);
export const scriptPath = (dir: string): string => join(dir, 'script.sh');

/** A word for sh, whatever it holds. */
export function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command a task runs: LANDSCAPE_SLURM_WORKER when set (e.g. an unpacked bundle's
 * `landscape`, on nodes without the repository's Node), else this program as it runs here.
 */
export function workerCommand(): string {
  const own = process.env.LANDSCAPE_SLURM_WORKER;
  if (own) return own;
  const { execArgv, file, args } = programArgs('tools/landscape.ts', [], []);
  return [process.execPath, ...execArgv, file, ...args].map(quote).join(' ');
}

/** Writes the folder of an array: its script and one job file per task, numbered from 0. */
export async function writeArray(dir: string, jobs: JobFile[], lockDir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await Promise.all(jobs.map((job, i) => writeJobFile(jobPath(dir, i), job)));
  const script = `#!/bin/sh
# One task of a landscape-figures job array: runs job-<index>.json with the worker entry point,
# then records the node, the wall time and the exit code of this try ($1).
dir=${quote(dir)}
i="$SLURM_ARRAY_TASK_ID"
try="$1"
started=$(date +%s.%N)
cd ${quote(ROOT)} || exit 1
${workerCommand()} worker --job "$dir/job-$i.json" --lock-dir ${quote(lockDir)}
code=$?
ended=$(date +%s.%N)
printf '{"node":"%s","started":%s,"ended":%s,"exit":%s}\\n' "\${SLURMD_NODENAME:-$(hostname)}" "$started" "$ended" "$code" > "$dir/task-$i.try-$try.json.part" &&
  mv "$dir/task-$i.try-$try.json.part" "$dir/task-$i.try-$try.json"
exit $code
`;
  await atomicWrite(scriptPath(dir), script);
}

export async function readTaskRecord(dir: string, index: number, attempt: number): Promise<TaskRecord | null> {
  try {
    return JSON.parse(await readFile(recordPath(dir, index, attempt), 'utf8')) as TaskRecord;
  } catch {
    return null;
  }
}

/** The job's result, or null while there is none. */
export async function readResult(dir: string, index: number): Promise<{ value: unknown } | null> {
  let text: string;
  try {
    text = await readFile(resultPath(dir, index), 'utf8');
  } catch {
    return null;
  }
  return { value: JSON.parse(text) as unknown };
}

/** The last lines of a task's log (what a failure report shows). */
export async function logTail(path: string, lines = 8): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim()).slice(-lines);
}

/** The last `done/total` progress line of a running task's log (tools/worker-command.ts prints them). */
export async function lastProgress(path: string): Promise<{ done: number; total: number } | null> {
  const tail = await logTail(path, 4);
  for (const line of tail.reverse()) {
    const match = /: (\d+)\/(\d+)(?: |$)/.exec(line);
    if (match) return { done: Number(match[1]), total: Number(match[2]) };
  }
  return null;
}
