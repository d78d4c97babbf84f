// Run by threads.test.ts in a child process, with LANDSCAPE_SIMD_THREADS set: computes every SIMD
// kernel on fixed inputs and prints, as JSON, a SHA-256 of each output's bytes, the threads the
// pool reports and how many jobs it ran. The shapes are large enough that every kernel splits
// its work between threads and walks several chunks (pixels, rows of the filter gradient,
// pieces of the batch norm sums).
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../pipeline/engine/backend.ts';
import { BN_RELU, batchNormRelu, normalizeRelu } from '../../pipeline/engine/batch-norm-relu.ts';
import { simdStatus } from '../../pipeline/engine/simd-kernels.ts';
import { SimdPool } from '../../pipeline/engine/simd-pool.ts';
import { values } from '../helpers/numbers.ts';

// counts the jobs: a run only returns once every thread has done its share, so with n > 1 a
// finished job also shows that the pool's n - 1 worker threads are there and take part
let poolRuns = 0;
const run = SimdPool.prototype.run;
SimdPool.prototype.run = function (this: SimdPool) {
  poolRuns++;
  return run.call(this);
};

function tensor(shape: number[], seed: number, offset = 0): tf.Tensor {
  return tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed, offset), shape);
}

const info = await initEngine();

const outputs: Record<string, tf.Tensor> = tf.tidy(() => {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, xShape, fShape, stride] of [
    ['odd', [10, 15, 13, 5], [3, 3, 5, 12], 1],
    ['paper layer', [20, 16, 16, 80], [3, 3, 80, 80], 2],
  ] as [string, [number, number, number, number], [number, number, number, number], number][]) {
    const x = tensor(xShape, 11) as tf.Tensor4D;
    const f = tensor(fShape, 23) as tf.Tensor4D;
    const y = tf.conv2d(x, f, stride, 'same');
    const dy = tensor(y.shape, 37);
    const attrs = { strides: stride, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
    out[`conv forward, ${name}`] = y;
    out[`conv input gradient, ${name}`] = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: xShape } as unknown as tf.NamedAttrMap) as tf.Tensor;
    out[`conv filter gradient, ${name}`] = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape } as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  for (const shape of [[50, 8, 8, 80], [37, 5, 7, 5]]) {
    const z = tf.add(tensor(shape, 21), 0.3);
    const [y, mean, rstd] = tf.engine().runKernel(BN_RELU, { x: z }, { epsilon: 1e-5 } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    out[`batch norm y, [${shape}]`] = y!;
    out[`batch norm mean, [${shape}]`] = mean!;
    out[`batch norm rstd, [${shape}]`] = rstd!;
    const weights = tensor(shape, 22);
    out[`batch norm gradient, [${shape}]`] = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(batchNormRelu(a, 1e-5), weights)))(z);
    const channels = shape[shape.length - 1]!;
    out[`normalizeRelu, [${shape}]`] = normalizeRelu(tensor(shape, 3), tensor([channels], 4), tensor([channels], 5, 1.5), 1e-3);
  }
  return out;
});

const hashes: Record<string, string> = {};
/** share of non-zero values: a kernel that wrote nothing would hash the same on any thread count */
const nonZero: Record<string, number> = {};
for (const [name, t] of Object.entries(outputs)) {
  const data = t.dataSync() as Float32Array;
  hashes[name] = createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
  nonZero[name] = data.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0) / data.length;
}
tf.dispose(Object.values(outputs));
console.log(JSON.stringify({ kernels: info.kernels, notes: info.notes, threads: simdStatus().threads, poolRuns, hashes, nonZero }));
