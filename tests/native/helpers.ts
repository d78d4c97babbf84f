// Shared by the native kernel tests: deterministic data, the relative error, and running the
// same computation on the engine's 'wasm' backend and on tfjs's 'cpu' backend (the reference).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { relErr, values } from '../helpers/numbers.ts';
export { relErr, values } from '../helpers/numbers.ts';



/** Runs fn on a backend; returns the outputs' shapes and values as plain arrays. */
export async function on(backend: 'cpu' | 'wasm', fn: () => tf.Tensor | tf.Tensor[]): Promise<{ shape: number[]; data: Float32Array }[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const list = Array.isArray(outs) ? outs : [outs];
  const result = list.map((t) => ({ shape: t.shape, data: Float32Array.from(t.dataSync() as ArrayLike<number>) }));
  tf.dispose(list);
  return result;
}

/** The largest relative error between the wasm and cpu results of fn (shapes must match too). */
export async function wasmVsCpu(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const wasm = await on('wasm', fn);
  const cpu = await on('cpu', fn);
  await tf.setBackend('wasm');
  if (wasm.length !== cpu.length) return Infinity;
  let worst = 0;
  wasm.forEach((w, i) => {
    const c = cpu[i]!;
    worst = Math.max(worst, w.shape.join() === c.shape.join() ? relErr(w.data, c.data) : Infinity);
  });
  return worst;
}

export function tensor(shape: number[], seed: number, offset = 0): tf.Tensor {
  return tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed, offset), shape);
}
