import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../pipeline/engine/backend.ts';
import { calibrate, disposeStats, evaluate, evaluateModel } from '../../pipeline/engine/evaluate.ts';
import { crossEntropy, gatherImages, keepOnBackend, Net, releaseSplit, type Split } from '../../pipeline/engine/model.ts';
import { initWeights, layerShapes, layerSize, parameterCount, type Weights } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { bgdEpoch, sgdEpoch } from '../../pipeline/engine/train.ts';
import { randomSplit } from '../helpers/numbers.ts';

// values are read with data(): the webgpu backend has no synchronous read in Node
async function lossOf(net: Net, split: Split): Promise<number> {
  const loss = tf.tidy(() => {
    const x = tf.tensor4d(split.images, [split.count, 32, 32, 3]);
    return crossEntropy(net.logits(x), tf.tensor1d(split.labels, 'int32'));
  });
  const value = (await loss.data())[0]!;
  loss.dispose();
  return value;
}

beforeAll(async () => {
  await initEngine();
});

describe('the DCNN', () => {
  it('has the paper shape: five 3x3 convolutions, 10 logits, about 182k weights at width 80', () => {
    const shapes = layerShapes(80);
    expect(shapes.map((s) => s.kernel)).toEqual([
      [3, 3, 3, 80],
      [3, 3, 80, 80],
      [3, 3, 80, 80],
      [3, 3, 80, 80],
      [3, 3, 80, 10],
    ]);
    expect(parameterCount(80)).toBe(3 * 3 * 3 * 80 + 3 * 9 * 80 * 80 + 9 * 80 * 10 + 10);
  });

  it('computes the gradient of the loss that finite differences measure', async () => {
    const width = 3;
    const split = randomSplit(6, 'gradcheck-data');
    const weights = initWeights(width, new Rng('gradcheck-weights'));
    const net = new Net(width, weights);
    const gradTensors = tf.tidy(() => {
      const x = tf.tensor4d(split.images, [split.count, 32, 32, 3]);
      const y = tf.tensor1d(split.labels, 'int32');
      const { grads } = tf.variableGrads(() => crossEntropy(net.logits(x), y), net.variables);
      return net.variables.map((v) => grads[v.name]!);
    });
    const analytic = await Promise.all(gradTensors.map(async (g) => Array.from(await g.data())));
    tf.dispose(gradTensors);
    // host layout: the kernel then (last layer) the bias, as the variables are ordered
    const flatGrad: number[][] = weights.map((_, l) => (l < 4 ? analytic[l]! : [...analytic[4]!, ...analytic[5]!]));
    const rng = new Rng('gradcheck-coords');
    // small enough that ReLU kinks and batch norm stay nearly linear, large enough for float32
    const h = 1e-3;
    let checked = 0;
    for (let l = 0; l < weights.length; l++) {
      for (let k = 0; k < 6; k++) {
        const i = rng.int(weights[l]!.length);
        const at = (delta: number): Promise<number> => {
          const w: Weights = weights.map((a) => Float32Array.from(a));
          w[l]![i]! += delta;
          net.setWeights(w);
          return lossOf(net, split);
        };
        const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
        const exact = flatGrad[l]![i]!;
        expect(Math.abs(numeric - exact), `layer ${l + 1} weight ${i}: ${numeric} vs ${exact}`).toBeLessThan(1e-3 + 0.05 * Math.abs(exact));
        checked++;
      }
    }
    net.dispose();
    expect(checked).toBe(30);
  });

  it('trains deterministically: the same seed gives bit-identical weights', async () => {
    const split = randomSplit(60, 'det-data');
    const run = async (): Promise<Weights> => {
      const net = new Net(4, initWeights(4, new Rng('det-weights')));
      for (let e = 0; e < 2; e++) await sgdEpoch(net, split, 0.05, 20, new Rng('det-order', e).permutation(split.count));
      await bgdEpoch(net, split, 0.05, 25);
      const w = await net.getWeights();
      net.dispose();
      return w;
    };
    const a = await run();
    const b = await run();
    a.forEach((layer, l) => expect(Buffer.from(layer.buffer).equals(Buffer.from(b[l]!.buffer))).toBe(true));
    const c = new Net(4, initWeights(4, new Rng('other-weights')));
    expect(Buffer.from((await c.getWeights())[1]!.buffer).equals(Buffer.from(a[1]!.buffer))).toBe(false);
    c.dispose();
  });

  it('lowers the training loss with SGD and with BGD, without leaking tensors', async () => {
    const split = randomSplit(100, 'fit-data');
    const before = tf.memory().numTensors;
    const net = new Net(8, initWeights(8, new Rng('fit-weights')));
    const start = await lossOf(net, split);
    for (let e = 0; e < 15; e++) await sgdEpoch(net, split, 0.1, 25, new Rng('fit-order', e).permutation(split.count));
    const afterSgd = await lossOf(net, split);
    expect(afterSgd).toBeLessThan(start * 0.7);
    for (let e = 0; e < 10; e++) await bgdEpoch(net, split, 0.1, 50);
    expect(await lossOf(net, split)).toBeLessThan(afterSgd);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('evaluates error, loss and a confusion matrix that agree with each other', async () => {
    const split = randomSplit(90, 'eval-data');
    const net = new Net(4, initWeights(4, new Rng('eval-weights')));
    const before = tf.memory().numTensors;
    const { train } = await evaluateModel(net, split, { train: split }, { bnCalibration: 50, evalBatch: 40 });
    expect(tf.memory().numTensors).toBe(before);
    expect(train!.confusion.reduce((a, b) => a + b, 0)).toBe(90);
    const correct = Array.from({ length: 10 }, (_, c) => train!.confusion[c * 10 + c]!).reduce((a, b) => a + b, 0);
    expect(train!.error).toBeCloseTo(1 - correct / 90, 12);
    expect(train!.loss).toBeGreaterThan(0);
    net.dispose();
  });

  it('gives the same numbers when it reuses the calibration images’ activations as when it recomputes them', async () => {
    const split = randomSplit(90, 'reuse-data');
    const net = new Net(4, initWeights(4, new Rng('reuse-weights')));
    const before = tf.memory().numTensors;
    let convolutions = 0;
    const conv = net.conv.bind(net);
    net.conv = (x, l) => (convolutions++, conv(x, l));
    const hidden = net.shapes.length - 1;
    // calibration chunks of 40 over 80 images: the first two evaluation chunks are reused, the third is not
    const reused = await evaluateModel(net, split, { train: split }, { bnCalibration: 80, evalBatch: 40 });
    expect(tf.memory().numTensors).toBe(before);
    const withReuse = convolutions;
    convolutions = 0;
    const stats = calibrate(net, split, 80, 40);
    const fresh = await evaluate(net, stats, split, 40);
    disposeStats(stats);
    // the reused chunks skipped their hidden layers, and only those
    expect(convolutions - withReuse).toBe(2 * hidden);
    expect(reused['train']!.loss).toBe(fresh.loss);
    expect(reused['train']!.error).toBe(fresh.error);
    expect(Array.from(reused['train']!.predicted)).toEqual(Array.from(fresh.predicted));
    net.dispose();
  });

  it('gathers the same images whether the split is kept on the backend or copied, and frees what it kept', async () => {
    const split = randomSplit(25, 'kept-split');
    const before = tf.memory().numTensors;
    const kept = keepOnBackend(split);
    const read = async (t: tf.Tensor) => {
      const values = Array.from(await t.data());
      t.dispose();
      return values;
    };
    const all = Array.from({ length: 25 }, (_, i) => i);
    for (const indices of [all, [10, 11, 12, 13], [3, 1, 4, 1, 5]]) {
      expect(await read(gatherImages(kept, indices))).toEqual(await read(gatherImages(split, indices)));
    }
    // the whole split in order comes from the kept tensor without a copy
    const clone = gatherImages(kept, all);
    expect(clone.dataId).toBe(kept.tensor!.dataId);
    clone.dispose();
    releaseSplit(kept);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips weights between host arrays and variables', async () => {
    const w = initWeights(5, new Rng('roundtrip'));
    const net = new Net(5, w);
    const back = await net.getWeights();
    back.forEach((layer, l) => {
      expect(layer.length).toBe(layerSize(layerShapes(5)[l]!));
      expect(Array.from(layer)).toEqual(Array.from(w[l]!));
    });
    net.dispose();
  });
});
