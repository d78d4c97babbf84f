// Shared by the SIMD kernel tests: the environment that selects the provider, running a child
// process under a given environment, and a comparison with tfjs's 'cpu' backend that also
// counts the jobs the SIMD thread pool ran (a kernel that quietly fell back to the one it
// replaced would still match the reference, so matching alone proves nothing).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { vi } from 'vitest';
import { SimdPool } from '../../pipeline/engine/simd-pool.ts';
import { on } from '../native/helpers.ts';
import { relErr } from '../helpers/numbers.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Makes this process use the SIMD kernels whatever the caller's environment: the native addon
 * off (it would come first), the SIMD module required (a missing one is an error, not a
 * silent XNNPACK run), the wasm backend forced (tfjs-node would come first). Call before
 * initEngine(); vitest runs each test file in its own process, so this stays in the file.
 * LANDSCAPE_SIMD_MODULE, when set, still picks the module: another build can be tested so.
 */
export function requireSimdKernels(): void {
  process.env.LANDSCAPE_NATIVE = '0';
  process.env.LANDSCAPE_SIMD = '1';
  process.env.LANDSCAPE_BACKEND = 'wasm';
}

/** Runs `node --import tsx script` with env on top of this process's (undefined removes a variable); resolves with stdout. */
export function runScript(script: string, env: Record<string, string | undefined>): Promise<{ stdout: string; stderr: string; code: number }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env: childEnv, encoding: 'utf8', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ stdout, stderr, code: error ? (typeof error.code === 'number' ? error.code : 1) : 0 });
    });
  });
}

/** The last line of stdout that is a JSON object, parsed; throws with stderr when there is none. */
export function jsonLine<T>(r: { stdout: string; stderr: string; code: number }): T {
  const line = r.stdout.split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`the child printed no result (exit ${r.code}): ${r.stderr}`);
  return JSON.parse(line) as T;
}

/**
 * The largest relative error between the wasm and cpu results of fn (shapes must match too),
 * and how many jobs the SIMD pool ran while the wasm side computed.
 */
export async function simdVsCpu(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ err: number; poolRuns: number }> {
  const run = vi.spyOn(SimdPool.prototype, 'run');
  let wasm: Awaited<ReturnType<typeof on>>;
  let poolRuns: number;
  try {
    wasm = await on('wasm', fn);
  } finally {
    // read before restoring: restoring clears the recorded calls
    poolRuns = run.mock.calls.length;
    run.mockRestore();
  }
  const cpu = await on('cpu', fn);
  await tf.setBackend('wasm');
  if (wasm.length !== cpu.length) return { err: Infinity, poolRuns };
  let err = 0;
  wasm.forEach((w, i) => {
    const c = cpu[i]!;
    err = Math.max(err, w.shape.join() === c.shape.join() ? relErr(w.data, c.data) : Infinity);
  });
  return { err, poolRuns };
}
