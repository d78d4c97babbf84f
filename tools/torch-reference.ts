// The PyTorch reference (torch_reference.py, the paper net exactly as net.ts defines it), as
// bench and gpu-check run it: which Python has torch, and one measurement in a child process.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../pipeline/root.ts';

/** the script, at this path in the repository and in a bundle */
export const TORCH_REFERENCE_PATH = 'tools/torch_reference.py';
const SCRIPT = join(ROOT, TORCH_REFERENCE_PATH);
const MARK = 'TORCH-RESULT ';

/** What the script prints: the setting, then the mode's measurement. */
export interface TorchResult {
  mode: 'train' | 'kernels';
  torch: string;
  device: string;
  cuda: boolean;
  threads: number;
  width: number;
  batch: number;
  peakRssMB: number;
  // train
  images?: number;
  steps?: number;
  seconds?: number;
  imagesPerSecond?: number;
  epochSeconds?: number[];
  // kernels
  ms?: { forward: number; inputGradient: number; filterGradient: number };
  gflops?: { forward: number; inputGradient: number; filterGradient: number };
}

/**
 * The first Python that imports torch: LANDSCAPE_BENCH_PYTHON, python3 on PATH, the system's
 * /usr/bin/python3; null when none does, with what was tried.
 */
export function torchPython(): { python: string | null; tried: string[] } {
  const tried = [process.env.LANDSCAPE_BENCH_PYTHON?.trim(), 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const python of tried) {
    if (python.startsWith('/') && !existsSync(python)) continue;
    if (spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 }).status === 0) return { python, tried };
  }
  return { python: null, tried };
}

/** Runs the reference script with `args` (see its header); the result, or why there is none. */
export function runTorchReference(
  python: string,
  args: string[],
  options: { timeoutSeconds?: number; env?: NodeJS.ProcessEnv } = {},
): { result: TorchResult | null; error: string | null } {
  const r = spawnSync(python, [SCRIPT, ...args], {
    encoding: 'utf8',
    env: options.env ?? process.env,
    maxBuffer: 16 * 2 ** 20,
    ...(options.timeoutSeconds ? { timeout: Math.round(Math.max(5, options.timeoutSeconds) * 1000) } : {}),
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(MARK));
  if (r.status === 0 && line) return { result: JSON.parse(line.slice(MARK.length)) as TorchResult, error: null };
  if (r.error) return { result: null, error: r.error.message };
  if (r.signal) return { result: null, error: `killed by ${r.signal} (time limit)` };
  const why = String(r.stderr ?? '').trim().split('\n').filter(Boolean);
  return { result: null, error: `exit ${r.status}: ${why.find((l) => /Error/.test(l)) ?? why.pop() ?? 'no output'}` };
}
