// landscape worker --job FILE [--out FILE] [--threads N]: runs one training job the way the
// pipeline runs its jobs locally, in a worker process of the pool (pool.ts), prints its progress
// a line at a time, and writes its result as JSON when it finishes (job-file.ts). What a batch
// scheduler starts on a compute node, from the bundle.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { canonicalJson } from '../pipeline/cache.ts';
import { gpuDeviceNodes } from '../pipeline/engine/gpu-probe.ts';
import { useNvidiaVulkanDriver } from '../pipeline/engine/vulkan.ts';
import { acquireLock, type HeldLock } from '../pipeline/lock.ts';
import { readJobFile, resultPathOf, writeJobResult } from '../pipeline/workers/job-file.ts';
import { WorkerPool } from '../pipeline/workers/pool.ts';

export const WORKER_USAGE = `Usage: landscape worker --job <file> [--out <file>] [--threads <n>] [--lock-dir <dir>]

Runs one training job, as the pipeline's worker processes do, and writes its result.

  --job <file>     the job: JSON with "module" (one of the job modules), "fn", "input" and
                   optionally "label"
  --out <file>     where the result (JSON) goes (default: the job file with .result.json)
  --threads <n>    kernel threads of the CPU engine (default 1, as in the pipeline's workers)
  --lock-dir <dir> run the job only while holding its lock in this folder (named by the job's
                   hash), so that the same job never runs twice at once, on any node that shares
                   the folder; a holder that died leaves no lock behind (a lease with a heartbeat)

Progress goes to stdout, one line per update; exit code 0 once the result is written, 1 when
the job fails (the reason on stderr), 128 + the signal number when stopped (SIGTERM, SIGINT):
a stopped job resumes from its last checkpoint when started again.`;

function option(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
  return value;
}

export async function workerCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(WORKER_USAGE);
    return 0;
  }
  const jobPath = option(argv, '--job');
  if (!jobPath) throw new Error('worker needs --job <file> (see landscape worker --help)');
  const out = option(argv, '--out') ?? resultPathOf(jobPath);
  const threads = option(argv, '--threads');
  if (threads !== undefined && !(Number.isInteger(Number(threads)) && Number(threads) > 0)) throw new Error(`--threads needs a positive integer, got '${threads}'`);

  const lockDir = option(argv, '--lock-dir');

  const job = await readJobFile(jobPath);
  const label = job.label ?? basename(jobPath);
  // on an NVIDIA machine, NVIDIA's Vulkan driver only (vulkan.ts), for the worker it starts
  if (gpuDeviceNodes().some((n) => /nvidia\d+$/.test(n))) {
    const driver = useNvidiaVulkanDriver();
    if (driver) console.log(`${label}: VK_DRIVER_FILES=${driver}`);
  }
  const pool = new WorkerPool(1, threads ? { LANDSCAPE_NATIVE_THREADS: threads, LANDSCAPE_SIMD_THREADS: threads } : {});
  // a scheduler's time limit (SIGTERM) or ^C: the worker goes, the job's checkpoints stay
  let stopped: number | null = null;
  const stop = (signal: NodeJS.Signals, number: number) => {
    if (stopped !== null) return;
    stopped = 128 + number;
    console.error(`${label}: stopped by ${signal}; its checkpoints so far are kept`);
    // still waiting for the job's lock: nothing of ours runs yet
    if (!locked) process.exit(stopped);
    void pool.close();
  };
  let locked = !lockDir;
  process.once('SIGTERM', () => stop('SIGTERM', 15));
  process.once('SIGINT', () => stop('SIGINT', 2));

  const started = performance.now();
  console.log(`${label}: ${job.module} ${job.fn}`);
  let lock: HeldLock | null = null;
  try {
    if (lockDir) lock = await acquireLock(lockDir, `job-${jobHash(job)}`, { onWait: (holder) => console.log(`${label}: waiting for ${holder}, which runs the same job`) });
    locked = true;
    const result = await pool.run({ ...job, label }, (done, total, detail) => {
      console.log(`${label}: ${done}/${total}${detail ? ` ${detail}` : ''}`);
    });
    await writeJobResult(out, result);
    console.log(`${label}: done in ${((performance.now() - started) / 1000).toFixed(1)} s; result: ${out}`);
    return 0;
  } catch (error) {
    if (stopped !== null) return stopped;
    console.error((error as Error).message.split('\n')[0]);
    return 1;
  } finally {
    await pool.close();
    await lock?.release();
  }
}

/** The same job (module, function, input) has the same hash wherever its file is. */
function jobHash(job: { module: string; fn: string; input: unknown }): string {
  return createHash('sha256').update(canonicalJson({ module: job.module, fn: job.fn, input: job.input })).digest('hex').slice(0, 32);
}
