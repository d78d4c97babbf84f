// Before the Slurm executor submits anything, it checks that the nodes see the cache: a job
// reads a file written here and writes one back. The tasks exchange everything through the
// cache (job files, checkpoints, results), so a cache folder that is only local to this machine
// would fail every task; it is refused instead, in one line, before anything runs.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quote } from './array.ts';
import type { SlurmSettings } from './records.ts';
import { isFinal, jobState, sbatch, scancel } from './scheduler.ts';

/** how long after the probe job ended its file may take to show (a shared file system's cache) */
const GRACE_MS = 15_000;

/** Null when a Slurm job sees the cache folder as this machine does, else the reason in one line. */
export async function sharedCacheProblem(
  cacheDir: string,
  settings: Pick<SlurmSettings, 'partition' | 'gres' | 'time'>,
  say: (line: string) => void = () => {},
  graceMs = GRACE_MS,
): Promise<string | null> {
  const dir = join(cacheDir, 'slurm', `probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  const token = randomBytes(8).toString('hex');
  const question = join(dir, 'question');
  const answer = join(dir, 'answer');
  await writeFile(question, token);
  const script = `if [ "$(cat ${quote(question)} 2>/dev/null)" = ${token} ]; then s=seen; else s=unseen; fi; echo "$s \${SLURMD_NODENAME:-$(hostname)}" > ${quote(`${answer}.part`)} && mv ${quote(`${answer}.part`)} ${quote(answer)}`;
  const flags = [
    '--job-name=landscape-cache-probe',
    `--output=${join(dir, 'probe.log')}`,
    // where the tasks will run, within their time limit
    `--time=${settings.time ?? '00:05:00'}`,
    ...(settings.partition ? [`--partition=${settings.partition}`] : []),
    ...(settings.gres ? [`--gres=${settings.gres}`] : []),
    `--wrap=${script}`,
  ];
  const jobId = await sbatch(flags, null).catch((error: Error) => {
    throw new Error(`cannot submit to Slurm: ${error.message}`);
  });
  const started = Date.now();
  let endedAt: number | null = null;
  let node: string | null = null;
  let told = false;
  try {
    for (;;) {
      const text = await readFile(answer, 'utf8').catch(() => null);
      if (text !== null) {
        const [seen, where] = text.trim().split(' ');
        if (seen === 'seen') return null;
        return `--cache-dir ${cacheDir} is not shared with the Slurm nodes: the probe job ${jobId} on node ${where} could not read a file written here (use a folder every node mounts, e.g. on NFS)`;
      }
      const state = await jobState(jobId);
      node = state?.node ?? node;
      if (!state || isFinal(state.state)) endedAt ??= Date.now();
      if (endedAt !== null && Date.now() - endedAt > graceMs) {
        return `--cache-dir ${cacheDir} is not shared with the Slurm nodes: the probe job ${jobId}${node ? ` ran on node ${node} but` : ''} ${state ? `ended ${state.state}` : 'ended'} and its file never appeared here (use a folder every node mounts, e.g. on NFS)`;
      }
      if (!told && endedAt === null && Date.now() - started > 10_000) {
        told = true;
        say(`waiting for Slurm to start the job ${jobId} that checks the cache is shared`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    if (endedAt === null) await scancel([jobId]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}
