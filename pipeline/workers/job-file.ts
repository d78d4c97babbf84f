// A training job as a file, for a machine that runs jobs away from the pipeline's own pool (a
// compute node running the bundle's `./landscape worker --job FILE`): the job to run, then its
// result beside it. The result is written last, whole or not at all: a result file on disk means
// the job finished.
import { readFile } from 'node:fs/promises';
import { atomicWrite } from '../artifacts.ts';

/** What a job file holds: a job of pool.ts without its progress callback. */
export interface JobFile {
  /** one of JOB_MODULES (pipeline/steps.ts): a module some step declares in its `jobs` */
  module: string;
  /** the module's exported job function */
  fn: string;
  /** its input, plain JSON (large data goes through files the input names) */
  input: unknown;
  /** for messages; the file's name when absent */
  label?: string;
}

export async function writeJobFile(path: string, job: JobFile): Promise<void> {
  await atomicWrite(path, `${JSON.stringify(job, null, 1)}\n`);
}

export async function readJobFile(path: string): Promise<JobFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the job file ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  const job = parsed as Partial<JobFile> | null;
  if (!job || typeof job.module !== 'string' || typeof job.fn !== 'string' || !('input' in job)) {
    throw new Error(`${path} is not a job file: it needs "module", "fn" and "input"`);
  }
  return { module: job.module, fn: job.fn, input: job.input, ...(typeof job.label === 'string' ? { label: job.label } : {}) };
}

/** Where a job's result goes by default: job.json -> job.result.json. */
export function resultPathOf(jobPath: string): string {
  return `${jobPath.replace(/\.json$/, '')}.result.json`;
}

export async function writeJobResult(path: string, result: unknown): Promise<void> {
  await atomicWrite(path, `${JSON.stringify(result, null, 1)}\n`);
}
