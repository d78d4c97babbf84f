// One pipeline command (`figures` or `site`) as a child process of its own process group, with
// its trace (pipeline/trace.ts) in a file: the campaigns start it, read where it is, and kill the
// whole group (the command, its training workers, the site build) at once with SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceLine } from '../../pipeline/trace.ts';
import { childEnv } from '../setup/smoke-run.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface PipelineProcess {
  child: ChildProcess;
  traceFile: string;
  /** resolves when the command has exited (by itself or killed) */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

export interface StartOptions {
  command: 'figures' | 'site';
  args: string[];
  traceFile: string;
  failpoint?: string;
  env?: Record<string, string>;
}

const ENTRY = { figures: 'pipeline/cli.mjs', site: 'pipeline/site-cli.mjs' } as const;

export function startPipeline(options: StartOptions): PipelineProcess {
  const env = childEnv({
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    LANDSCAPE_TRACE: options.traceFile,
    ...(options.failpoint ? { LANDSCAPE_FAILPOINT: options.failpoint } : {}),
    ...(options.env ?? {}),
  });
  if (!options.failpoint) delete env.LANDSCAPE_FAILPOINT;
  // its own process group, so that one kill reaches every process of the run
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY[options.command], ...options.args], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((done) => {
    child.on('close', (code, signal) => done({ code, signal, output }));
  });
  return { child, traceFile: options.traceFile, exited };
}

/** SIGKILL to the whole process group; waits until the command is gone. */
export async function killGroup(run: PipelineProcess): Promise<void> {
  try {
    process.kill(-run.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  await run.exited;
  // workers of the group die with it; make sure none is left before the rerun starts
  for (let i = 0; i < 100 && groupAlive(run.child.pid!); i++) await sleep(50);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readTrace(file: string): TraceLine[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  // the last line may be half written while the run goes on
  return text
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as TraceLine];
      } catch {
        return [];
      }
    });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The arguments of a figures run on `dir`'s own cache and site folders. */
export function figuresArgs(profile: string, dir: string, extra: string[] = []): string[] {
  return ['--profile', profile, '--cache-dir', join(dir, 'cache'), '--site-dir', join(dir, 'site'), ...extra];
}

/** Runs a command to its end; the run id it reports, or an error with the tail of its output. */
export async function runToEnd(options: StartOptions): Promise<{ runId: string | null; code: number | null; output: string }> {
  const run = startPipeline(options);
  const { code, output } = await run.exited;
  const runId = /run manifest: (\S+)/.exec(output)?.[1] ?? null;
  return { runId, code, output };
}

/** The last lines of a command's output, for a report. */
export function tail(output: string, lines = 8): string {
  return output.trim().split('\n').slice(-lines).join('\n');
}
