/**
 * GFLOP/s of conv2d forward and both gradients on the wasm backend, before
 * and after registerWasmConvGradients(), for a representative layer.
 *
 *   node --import tsx tools/wasm-kernels-bench.ts [batch] [size] [channels] [stride]
 *
 * Defaults: batch 100, 16x16x80 -> 8x8x80, 3x3 kernel, stride 2, 'same'.
 * Also times a training step of a net shaped like the paper's DCNN (five 3x3
 * stride-2 convs 32->16->8->4->2->1, width 80, batch norm, ReLU) at that batch.
 * ROUNDS (env) sets how often the before/after states alternate.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { registerWasmConvGradients } from '../pipeline/engine/wasm-kernels.ts';

type Shape4 = [number, number, number, number];

const [batch, size, channels, stride] = [100, 16, 80, 2].map((d, i) => Number(process.argv[2 + i] ?? d)) as [number, number, number, number];
const k = 3;
const pad = 'same';
const xShape: Shape4 = [batch, size, size, channels];
const fShape: Shape4 = [k, k, channels, channels];
const info = tf.backend_util.computeConv2DInfo(xShape, fShape, stride, 1, pad, undefined, false, 'channelsLast');
const yShape = info.outShape as Shape4;
// Multiply-adds of the forward conv; each gradient does the same amount of useful work.
const flops = 2 * batch * yShape[1] * yShape[2] * k * k * channels * channels;

const attrs = { strides: stride, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
const kernels: Record<string, (t: Record<string, tf.Tensor>) => tf.Tensor> = {
  'forward Conv2D': ({ x, f }) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, pad),
  'input gradient': ({ dy, f }) => tf.engine().runKernel('Conv2DBackpropInput', { dy: dy!, filter: f! },
    { ...attrs, inputShape: xShape } as unknown as tf.NamedAttrMap) as tf.Tensor,
  'filter gradient': ({ x, dy }) => tf.engine().runKernel('Conv2DBackpropFilter', { x: x!, dy: dy! },
    { ...attrs, filterShape: fShape } as unknown as tf.NamedAttrMap) as tf.Tensor,
};

/**
 * Best wall time of `run` in ms (the wasm backend computes synchronously).
 * The minimum, not the mean: other processes on the machine only ever add time.
 */
function time(run: () => tf.Tensor, minMs: number): number {
  tf.dispose(run());
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 3 || (performance.now() - start < minMs && samples.length < 50)) {
    const t0 = performance.now();
    const out = run();
    samples.push(performance.now() - t0);
    tf.dispose(out);
  }
  return Math.min(...samples);
}

const rand = (shape: Shape4) => tf.randomUniform(shape, -1, 1, 'float32', 7);

/** ms per call for each kernel, NaN where the kernel is missing. */
function measure(minMs: number): Record<string, number> {
  const t = { x: rand(xShape), f: rand(fShape), dy: rand(yShape) };
  const row: Record<string, number> = {};
  for (const [name, run] of Object.entries(kernels)) {
    try {
      row[name] = time(() => run(t), minMs);
    } catch {
      row[name] = NaN;
    }
  }
  tf.dispose(Object.values(t));
  return row;
}

/** Images per second of one SGD step (forward, both gradients, update) of the DCNN-shaped net. */
function netImagesPerSecond(width: number, minMs: number): number | string {
  const ws: tf.Variable[] = [];
  let cin = 3;
  for (let l = 0; l < 5; l++) {
    const cout = l === 4 ? 10 : width;
    ws.push(tf.variable(tf.randomUniform([3, 3, cin, cout], -0.1, 0.1, 'float32', l)));
    cin = cout;
  }
  const images = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 11);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 13) as tf.Tensor1D, 10);
  const opt = tf.train.sgd(0.01);
  const loss = () => {
    let a: tf.Tensor4D = images as tf.Tensor4D;
    ws.forEach((w, l) => {
      a = tf.conv2d(a, w as tf.Variable<tf.Rank.R4>, 2, 'same');
      if (l < 4) {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        a = tf.relu(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5)))) as tf.Tensor4D;
      }
    });
    return tf.losses.softmaxCrossEntropy(labels, tf.reshape(a, [batch, 10])) as tf.Scalar;
  };
  try {
    return (batch * 1000) / time(() => opt.minimize(loss, true)!, minMs);
  } catch (e) {
    return (e as Error).message.split('\n')[0]!;
  } finally {
    tf.dispose([...ws, images, labels]);
    opt.dispose();
  }
}

await tf.setBackend('wasm');
await tf.ready();
const stock = tf.getKernel('Conv2DBackpropInput', 'wasm')!;

/** Puts the backend's own kernels back (no filter gradient, naive input gradient). */
function useStock(): void {
  for (const name of ['Conv2DBackpropInput', 'Conv2DBackpropFilter']) {
    if (tf.getKernel(name, 'wasm') !== undefined) tf.unregisterKernel(name, 'wasm');
  }
  tf.registerKernel(stock);
}

console.log(`layer: batch ${batch}, ${xShape.slice(1).join('x')} -> ${yShape.slice(1).join('x')}, ${k}x${k} stride ${stride} '${pad}', ` +
  `${(flops / 1e6).toFixed(1)} MFLOP per op, simd=${String(tf.env().get('WASM_HAS_SIMD_SUPPORT'))}`);
// Alternate the two states so that load from other processes hits both alike.
const rounds = Number(process.env.ROUNDS ?? 3);
const before: Record<string, number>[] = [];
const after: Record<string, number>[] = [];
let netBefore: number | string = NaN;
const net: number[] = [];
for (let r = 0; r < rounds; r++) {
  useStock();
  before.push(measure(1000));
  if (r === 0) netBefore = netImagesPerSecond(channels, 2000);
  registerWasmConvGradients();
  after.push(measure(1000));
  net.push(netImagesPerSecond(channels, 2000) as number);
}

const fmt = (ms: number) => (Number.isNaN(ms) ? 'n/a (no kernel)' : `${(flops / ms / 1e6).toFixed(1)} GFLOP/s (${ms.toFixed(1)} ms)`);
console.table(Object.keys(kernels).map((name) => ({
  kernel: name,
  before: fmt(Math.min(...before.map((m) => m[name]!))),
  after: fmt(Math.min(...after.map((m) => m[name]!))),
})));
const ips = (v: number | string) => (typeof v === 'number' ? `${v.toFixed(0)} images/s` : `fails: ${v}`);
console.log(`DCNN-shaped net (width ${channels}), SGD step at batch ${batch} on wasm: ` +
  `before ${ips(netBefore)}; after best ${ips(Math.max(...net))} (rounds: ${net.map((v) => v.toFixed(0)).join(', ')})`);
