// One real pipeline run on the smoke profile, shared by every test file of a test run.
//
// Registered in vitest.config.ts as a globalSetup: the default export creates an empty folder for
// the run and hands its path to the test workers (provide / inject); it removes the folder at the
// end (set LANDSCAPE_KEEP_SMOKE=1 to keep it). Nothing runs until a test asks: the first call of
// smokeRun() in any worker takes a lock in that folder and runs
//
//   node --import tsx pipeline/cli.mjs --profile smoke --cache-dir <dir>/cache --site-dir <dir>/site
//
// while every other caller, in any worker, waits for its result. Test files that do not need the
// pipeline therefore cost nothing. Outside a vitest run with this globalSetup, smokeRun() runs the
// pipeline once per process into a fresh temporary folder. To iterate on tests, keep a run with
// LANDSCAPE_KEEP_SMOKE=1 and point LANDSCAPE_SMOKE_REUSE at the folder it names.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

export interface SmokeRun {
  /** the cache root of the run (objects/, runs/) */
  cacheDir: string;
  /** the built site */
  siteDir: string;
  /** the run manifest the pipeline wrote */
  manifestPath: string;
  /** the pipeline's stdout and stderr */
  output: string;
  /** wall time of the whole command */
  seconds: number;
  /** the run's trace (pipeline/trace.ts): when each step ran, for the kill -9 campaign */
  traceFile: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    smokeRunDir: string;
  }
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** the pipeline's own target is two minutes on two cores; leave room for a slow machine */
const RUN_TIMEOUT_MS = 15 * 60_000;
const RESULT = 'result.json';
const ERROR = 'error.json';
const LOCK = 'lock';

/**
 * The environment for a child process that builds the site, without what vitest puts into
 * process.env (NODE_ENV=test, and Vite's BASE_URL, MODE, DEV, PROD, SSR, which Astro would take
 * as its own).
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', ...extra };
  for (const name of Object.keys(env)) {
    if (['NODE_ENV', 'TEST', 'BASE_URL', 'MODE', 'DEV', 'PROD', 'SSR'].includes(name) || name.startsWith('VITEST')) delete env[name];
  }
  return env;
}

/** Runs the pipeline on the smoke profile into `dir` (cache/ and site/ inside it), with `extraArgs`. */
export async function runSmokePipeline(dir: string, extraArgs: string[] = []): Promise<SmokeRun> {
  const cacheDir = join(dir, 'cache');
  const siteDir = join(dir, 'site');
  const traceFile = join(dir, 'trace.jsonl');
  const env = childEnv({ FORCE_COLOR: '0', NO_COLOR: '1', LANDSCAPE_TRACE: traceFile });
  const args = ['--import', 'tsx', 'pipeline/cli.mjs', '--profile', 'smoke', '--cache-dir', cacheDir, '--site-dir', siteDir, ...extraArgs];
  const started = performance.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolvePromise) => {
    execFile(process.execPath, args, { cwd: repoRoot, env, timeout: RUN_TIMEOUT_MS, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) => {
      const exit = error ? ((error as { code?: unknown }).code ?? null) : 0;
      resolvePromise({ code: typeof exit === 'number' ? exit : null, output: `${stdout}${stderr}` });
    });
  });
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    const tail = output.trim().split('\n').slice(-30).join('\n');
    throw new Error(`the smoke pipeline run failed (exit ${code ?? 'killed'}) after ${seconds.toFixed(1)} s:\n${tail}`);
  }
  const runs = (await readdir(join(cacheDir, 'runs'))).filter((name) => name.endsWith('.json')).sort();
  if (runs.length === 0) throw new Error(`the smoke pipeline run wrote no run manifest in ${join(cacheDir, 'runs')}`);
  if (!existsSync(join(siteDir, 'index.html'))) throw new Error(`the smoke pipeline run built no site in ${siteDir}:\n${output}`);
  return { cacheDir, siteDir, manifestPath: join(cacheDir, 'runs', runs[runs.length - 1]!), output, seconds, traceFile };
}

let memo: Promise<SmokeRun> | null = null;

/** The smoke run of this test run: computed by the first caller, shared with every other. */
export function smokeRun(): Promise<SmokeRun> {
  memo ??= shared();
  return memo;
}

async function providedDir(): Promise<string | undefined> {
  try {
    const { inject } = await import('vitest');
    return inject('smokeRunDir');
  } catch {
    return undefined;
  }
}

async function shared(): Promise<SmokeRun> {
  // LANDSCAPE_SMOKE_REUSE=<dir>: reuse a run kept with LANDSCAPE_KEEP_SMOKE=1 (for iterating on tests)
  const reuse = process.env.LANDSCAPE_SMOKE_REUSE?.trim();
  if (reuse) return JSON.parse(await readFile(join(reuse, RESULT), 'utf8')) as SmokeRun;
  const dir = await providedDir();
  if (!dir) return runSmokePipeline(await mkdtemp(join(tmpdir(), 'landscape-smoke-')));
  try {
    await mkdir(join(dir, LOCK));
  } catch {
    return waitFor(dir);
  }
  await writeFile(join(dir, LOCK, 'owner'), String(process.pid));
  try {
    const run = await runSmokePipeline(dir);
    await writeAtomic(join(dir, RESULT), JSON.stringify(run));
    return run;
  } catch (error) {
    await writeAtomic(join(dir, ERROR), JSON.stringify({ message: (error as Error).message }));
    throw error;
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits for the worker that holds the lock to finish the run (or to fail, or to die). */
async function waitFor(dir: string): Promise<SmokeRun> {
  const deadline = Date.now() + RUN_TIMEOUT_MS + 60_000;
  while (Date.now() < deadline) {
    const result = await readFile(join(dir, RESULT), 'utf8').catch(() => null);
    if (result) return JSON.parse(result) as SmokeRun;
    const failure = await readFile(join(dir, ERROR), 'utf8').catch(() => null);
    if (failure) throw new Error((JSON.parse(failure) as { message: string }).message);
    const owner = Number(await readFile(join(dir, LOCK, 'owner'), 'utf8').catch(() => '0'));
    if (owner > 0 && !alive(owner)) throw new Error(`the test worker running the smoke pipeline (pid ${owner}) exited before it finished`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`gave up waiting for the smoke pipeline run in ${dir}`);
}

/** vitest globalSetup: a folder for this test run's smoke run, removed at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'landscape-smoke-'));
  project.provide('smokeRunDir', dir);
  return async () => {
    if (process.env.LANDSCAPE_KEEP_SMOKE === '1') {
      console.log(`smoke run kept in ${dir}`);
      return;
    }
    await rm(dir, { recursive: true, force: true });
  };
}
