// Shared by the webgpu tests: whether this machine has a WebGPU adapter at all (a software one
// counts: lavapipe in CI), and the rule that they skip without one unless
// LANDSCAPE_WEBGPU_REQUIRED=1 (set by .ci/run), where a missing adapter fails them instead.
import * as tf from '@tensorflow/tfjs';
import { probeAdapter, type ProbeResult } from '../../pipeline/engine/gpu-probe.ts';

export const webgpuRequired = process.env.LANDSCAPE_WEBGPU_REQUIRED === '1';

let probe: ProbeResult | null = null;
/** Dawn's adapter on this machine (asked once, in a child process). */
export function machineProbe(): ProbeResult {
  probe ??= probeAdapter();
  return probe;
}

/** True when the webgpu tests should be skipped: no adapter, and not required. */
export function skipWebgpu(): boolean {
  return !webgpuRequired && machineProbe().adapter === null;
}

/** The machine's adapter is a software one (so a forced webgpu needs LANDSCAPE_WEBGPU_SOFTWARE=1). */
export function softwareOnly(): boolean {
  return machineProbe().adapter?.software === true;
}

/** ||a - b|| / ||b|| (0 when both are 0) */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const d = a[i]! - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Deterministic values in [-1, 1) (xorshift), plus an offset. */
export function values(size: number, seed: number, offset = 0): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2 ** 31 - 1 + offset;
  }
  return out;
}

/** Runs fn on a backend and reads its outputs with data() (webgpu cannot read synchronously). */
export async function on(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<{ shape: number[]; data: Float32Array }[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);
  const outs = tf.tidy(fn);
  const list = Array.isArray(outs) ? outs : [outs];
  const result = await Promise.all(list.map(async (t) => ({ shape: t.shape, data: Float32Array.from(await t.data()) })));
  tf.dispose(list);
  return result;
}
