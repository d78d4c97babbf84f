// A tiny stand-in for Slurm, for tests: sbatch, scontrol and scancel as scripts on PATH that run
// an array's tasks on this machine, with the same command-line surface the executor uses
// (sbatch --parsable --array=SPEC%N --output=PATTERN [--wrap=CMD | script args], scontrol -o show
// job ID, scancel ID | ID_INDEX). State lives in $FAKE_SLURM_DIR: one folder per job, one file per
// task (written whole), and a marker file per cancelled task. Every task runs detached in a
// process group of its own, so scancel reaches the task's children, as Slurm's does.
// For tests of failures: FAKE_SLURM_FAIL_TASK=<index> makes the first try of that array index
// fail on its node (exit code 7) before it runs anything; FAKE_SLURM_NODE_TMPFS=<dir> runs every
// task with an empty tmpfs mounted over <dir>, as a node that does not share that folder sees it.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.env.FAKE_SLURM_DIR;
if (!root) {
  console.error('fake slurm: FAKE_SLURM_DIR is not set');
  process.exit(1);
}
mkdirSync(root, { recursive: true });
const NODE = 'fake-node';
const MIN_JOB_AGE_S = Number(process.env.FAKE_SLURM_MIN_JOB_AGE ?? 300);
const CPUS = Number(process.env.FAKE_SLURM_CPUS ?? 2);

const writeJson = (path, value) => {
  writeFileSync(`${path}.part`, JSON.stringify(value));
  renameSync(`${path}.part`, path);
};
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function nextId() {
  const lock = join(root, 'id.lock');
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  const file = join(root, 'next-id');
  const id = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 1000;
  writeFileSync(file, String(id + 1));
  rmSync(lock);
  return String(id);
}

function expand(spec) {
  const [list, limit] = spec.split('%');
  const out = [];
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (Number.isInteger(b) ? b : a); i++) out.push(i);
  }
  return { indices: out, limit: limit ? Number(limit) : CPUS };
}

const SBATCH_OPTIONS = ['parsable', 'array', 'output', 'wrap', 'job-name', 'partition', 'gres', 'time'];

function sbatch(argv) {
  const flags = {};
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('--'); i++) {
    const [k, ...v] = argv[i].slice(2).split('=');
    // as sbatch does: an option it does not know is an error
    if (!SBATCH_OPTIONS.includes(k)) {
      console.error(`sbatch: unrecognized option '${argv[i]}'\nTry "sbatch --help" for more information`);
      process.exit(1);
    }
    flags[k] = v.length ? v.join('=') : true;
  }
  const script = flags.wrap ? null : argv[i];
  const args = flags.wrap ? [] : argv.slice(i + 1);
  const id = nextId();
  const { indices, limit } = flags.array ? expand(flags.array) : { indices: [0], limit: 1 };
  const dir = join(root, id);
  mkdirSync(dir);
  writeJson(join(dir, 'job.json'), { id, array: Boolean(flags.array), name: flags['job-name'] ?? 'job', script, args, wrap: flags.wrap ?? null, output: flags.output ?? `slurm-%A_%a.out`, limit, indices, env: process.env, cwd: process.cwd() });
  for (const index of indices) writeJson(join(dir, `task-${index}.json`), { state: 'PENDING', exit: 0, signal: 0, pid: null, ended: null });
  spawn(process.execPath, [fileURLToPath(import.meta.url), 'run-job', id], { detached: true, stdio: 'ignore' }).unref();
  console.log(flags.parsable ? id : `Submitted batch job ${id}`);
}

/** The detached process that runs a job's tasks, at most `limit` at once. */
async function runJob(id) {
  const dir = join(root, id);
  const job = readJson(join(dir, 'job.json'));
  const queue = [...job.indices];
  const runOne = async (index) => {
    const taskFile = join(dir, `task-${index}.json`);
    if (existsSync(join(dir, `cancel-${index}`))) return writeJson(taskFile, { state: 'CANCELLED', exit: 0, signal: 15, pid: null, ended: Date.now() });
    const output = job.output.replace(/%a/g, index).replace(/%A/g, id).replace(/%j/g, id);
    const fd = openSync(output, 'a');
    let command = job.wrap ? ['sh', ['-c', job.wrap]] : ['sh', [job.script, ...job.args]];
    const failing = job.env.FAKE_SLURM_FAIL_TASK === String(index) && !existsSync(join(root, `failed-${index}`));
    if (failing) {
      writeFileSync(join(root, `failed-${index}`), '');
      command = ['sh', ['-c', 'echo "fake node: simulated failure" >&2; exit 7']];
    }
    const hidden = job.env.FAKE_SLURM_NODE_TMPFS;
    if (hidden) command = ['unshare', ['-m', 'sh', '-c', 'mount -t tmpfs none "$0" && exec "$@"', hidden, command[0], ...command[1]]];
    const child = spawn(command[0], command[1], {
      cwd: job.cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...job.env, SLURM_JOB_ID: id, SLURM_ARRAY_JOB_ID: id, SLURM_ARRAY_TASK_ID: String(index), SLURMD_NODENAME: NODE },
    });
    writeJson(taskFile, { state: 'RUNNING', exit: 0, signal: 0, pid: child.pid, ended: null });
    const [code, signal] = await new Promise((r) => child.on('exit', (c, s) => r([c, s])));
    closeSync(fd);
    const cancelled = existsSync(join(dir, `cancel-${index}`));
    const state = cancelled ? 'CANCELLED' : code === 0 ? 'COMPLETED' : 'FAILED';
    writeJson(taskFile, { state, exit: code ?? 0, signal: signal ? 15 : 0, pid: null, ended: Date.now() });
  };
  await Promise.all(Array.from({ length: Math.min(job.limit, queue.length) }, async () => {
    while (queue.length) await runOne(queue.shift());
  }));
}

function tasksOf(id) {
  const dir = join(root, id);
  if (!existsSync(join(dir, 'job.json'))) return null;
  const job = readJson(join(dir, 'job.json'));
  const tasks = job.indices.map((index) => ({ index, ...readJson(join(dir, `task-${index}.json`)) }));
  const final = tasks.every((t) => t.ended !== null);
  if (final && Date.now() - Math.max(...tasks.map((t) => t.ended)) > MIN_JOB_AGE_S * 1000) return null;
  return { job, tasks };
}

function scontrol(argv) {
  const id = argv[argv.length - 1].split('_')[0];
  const found = tasksOf(id);
  if (!found) {
    console.error('slurm_load_jobs error: Invalid job id specified');
    process.exit(1);
  }
  for (const t of found.tasks) {
    const arrayPart = found.job.array ? ` ArrayJobId=${id} ArrayTaskId=${t.index}` : '';
    const node = t.state === 'PENDING' ? '(null)' : NODE;
    console.log(`JobId=${Number(id) + t.index + 1}${arrayPart} JobName=${found.job.name} JobState=${t.state} Reason=None ExitCode=${t.exit}:${t.signal} BatchHost=${node} NodeList=${node}`);
  }
}

function scancel(argv) {
  for (const target of argv) {
    const [id, index] = target.split('_');
    const found = tasksOf(id);
    if (!found) continue;
    for (const t of found.tasks) {
      if (index !== undefined && String(t.index) !== index) continue;
      if (t.ended !== null) continue;
      writeFileSync(join(root, id, `cancel-${t.index}`), '');
      if (t.pid) {
        try {
          process.kill(-t.pid, 'SIGTERM');
        } catch {}
      }
    }
  }
}

const [command, ...argv] = process.argv.slice(2);
if (command === 'sbatch') sbatch(argv);
else if (command === 'run-job') await runJob(argv[0]);
else if (command === 'scontrol') scontrol(argv);
else if (command === 'scancel') scancel(argv);
else {
  console.error(`fake slurm: unknown command ${command}`);
  process.exit(1);
}
