// Shared by the webgpu tests: whether this machine has a WebGPU adapter at all (a software one
// counts: lavapipe in CI), and the rule that they skip without one unless
// LANDSCAPE_WEBGPU_REQUIRED=1 (set by .ci/run), where a missing adapter fails them instead.
import * as tf from '@tensorflow/tfjs';
import { probeAdapter, type ProbeResult } from '../../pipeline/engine/gpu-probe.ts';
export { relErr, values } from '../helpers/numbers.ts';

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



/** Runs fn on a backend and reads its outputs with data() (webgpu cannot read synchronously). */
export async function on(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<{ shape: number[]; data: Float32Array }[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);
  const outs = tf.tidy(fn);
  const list = Array.isArray(outs) ? outs : [outs];
  const result = await Promise.all(list.map(async (t) => ({ shape: t.shape, data: Float32Array.from(await t.data()) })));
  tf.dispose(list);
  return result;
}
