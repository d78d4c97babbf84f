// Runs one of the project's command-line scripts (pipeline/*.mjs) the way npm does, with
// `node --import tsx`, and hands back its exit status and output without throwing.
import { execFile } from 'node:child_process';
import { childEnv } from '../setup/smoke-run.ts';

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runScript(script: string, args: string[], timeoutMs = 900_000): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const options = { env: childEnv({ NO_COLOR: '1', FORCE_COLOR: '0' }), maxBuffer: 64 * 2 ** 20, timeout: timeoutMs };
    execFile(process.execPath, ['--import', 'tsx', script, ...args], options, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
