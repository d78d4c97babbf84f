// Every kind of layer of the DCNN, forward and backward, on the webgpu backend against tfjs's
// 'cpu' backend (the reference): the stride-2 convolutions (first layer, hidden, logits with
// bias), batch norm + ReLU with batch statistics (training) and with fixed ones (evaluation,
// composed ops: the fused kernels exist only on 'wasm'), the loss, and the whole net's gradient.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BN_RELU, batchNormRelu, normalizeRelu } from '../../pipeline/engine/batch-norm-relu.ts';
import { crossEntropy, Net } from '../../pipeline/engine/model.ts';
import { initWeights } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { on, relErr, skipWebgpu, values } from './helpers.ts';

const TOL = 1e-4;

/** The largest relative error between webgpu and cpu over the outputs of fn. */
async function webgpuVsCpu(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const gpu = await on('webgpu', fn);
  const cpu = await on('cpu', fn);
  expect(gpu.map((t) => t.shape)).toEqual(cpu.map((t) => t.shape));
  return Math.max(...gpu.map((t, i) => relErr(t.data, cpu[i]!.data)));
}

function tensor(shape: number[], seed: number, offset = 0): tf.Tensor {
  return tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed, offset), shape);
}

const worst: Record<string, number> = {};
async function check(name: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const err = await webgpuVsCpu(fn);
  worst[name] = err;
  expect(err, name).toBeLessThanOrEqual(TOL);
}

afterAll(() => {
  if (Object.keys(worst).length) console.log(`webgpu vs cpu, relative error: ${Object.entries(worst).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
});

describe.skipIf(skipWebgpu())('webgpu against the cpu reference', () => {
  // inside the describe: skipped with it where there is no adapter
  beforeAll(async () => {
    process.env.LANDSCAPE_WEBGPU_SOFTWARE = '1';
    const { activateWebgpu } = await import('../../pipeline/engine/webgpu.ts');
    const outcome = await activateWebgpu({ forced: true });
    if (!outcome.ok) throw new Error(`no webgpu backend: ${outcome.reason}`);
  });

  // [batch, size, in, out]: the first layer (3 channels in), a hidden one, the logits layer
  const convs: Array<[string, number, number, number, number]> = [
    ['first conv', 6, 32, 3, 16],
    ['hidden conv', 6, 8, 16, 16],
    ['logits conv', 6, 2, 16, 10],
  ];
  for (const [name, n, size, ci, co] of convs) {
    it(`${name}: forward, input gradient and filter gradient (stride 2, same)`, async () => {
      await check(`${name} forward`, () => tf.conv2d(tensor([n, size, size, ci], 1) as tf.Tensor4D, tensor([3, 3, ci, co], 2) as tf.Tensor4D, 2, 'same'));
      await check(`${name} gradients`, () => {
        const x = tensor([n, size, size, ci], 3) as tf.Tensor4D;
        const f = tensor([3, 3, ci, co], 4) as tf.Tensor4D;
        const dy = tensor([n, Math.ceil(size / 2), Math.ceil(size / 2), co], 5);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), dy));
        return g([x, f]);
      });
    });
  }

  it('bias of the logits layer, and the softmax cross-entropy loss with its gradient', async () => {
    await check('bias and loss', () => {
      const z = tensor([6, 1, 1, 10], 6);
      const b = tensor([10], 7);
      const labels = tf.tensor1d([0, 3, 9, 1, 1, 5], 'int32');
      const g = tf.grads((zz: tf.Tensor, bb: tf.Tensor) => crossEntropy(tf.reshape(tf.add(zz, bb), [6, 10]) as tf.Tensor2D, labels));
      return [crossEntropy(tf.reshape(tf.add(z, b), [6, 10]) as tf.Tensor2D, labels), ...g([z, b])];
    });
  });

  it('batch norm + ReLU with batch statistics: the composed ops, forward and backward', async () => {
    await tf.setBackend('webgpu');
    expect(tf.getKernel(BN_RELU, 'webgpu')).toBeUndefined();
    await check('batch norm + ReLU', () => {
      const z = tensor([6, 8, 8, 16], 8, 0.3);
      const dy = tensor([6, 8, 8, 16], 9);
      const g = tf.grad((x: tf.Tensor) => tf.mul(batchNormRelu(x, 1e-5), dy));
      return [batchNormRelu(z, 1e-5), g(z)];
    });
  });

  it('normalise + ReLU with fixed statistics (evaluation)', async () => {
    await check('normalise + ReLU', () => {
      const z = tensor([6, 4, 4, 16], 10);
      const mean = tensor([16], 11).mul(0.1);
      const variance = tensor([16], 12, 1.5);
      return normalizeRelu(z, mean, variance, 1e-5);
    });
  });

  it('the whole net: logits and the gradient of the loss for every variable (width 8)', async () => {
    const weights = initWeights(8, new Rng('webgpu-grad-weights'));
    const rng = new Rng('webgpu-grad-data');
    const images = rng.normalArray(10 * 3072);
    const labels = Int32Array.from({ length: 10 }, () => rng.int(10));
    const run = (backend: string) =>
      on(backend, () => {
        const net = new Net(8, weights);
        const x = tf.tensor4d(images, [10, 32, 32, 3]);
        const y = tf.tensor1d(labels, 'int32');
        const { value, grads } = tf.variableGrads(() => crossEntropy(net.logits(x), y), net.variables);
        const out = [value, net.logits(x), ...net.variables.map((v) => grads[v.name]!)];
        // tidy keeps the returned tensors; the variables go now
        const kept = out.map((t) => t.clone());
        net.dispose();
        return kept;
      });
    const gpu = await run('webgpu');
    const cpu = await run('cpu');
    const errors = gpu.map((t, i) => relErr(t.data, cpu[i]!.data));
    worst['whole net'] = Math.max(...errors);
    errors.forEach((e, i) => expect(e, `output ${i} (0: loss, 1: logits, then the gradients)`).toBeLessThanOrEqual(TOL));
  });
});
