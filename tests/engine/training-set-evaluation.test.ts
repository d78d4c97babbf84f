// Evaluation under the whole training set's batch statistics: taken from a gradient pass or from a
// forward pass alone, it gives the same numbers, and the step that takes the pass's gradient over
// lands on the same weights as one that takes the gradient itself. Its training loss is the loss
// full-batch GD descends; the calibration images' statistics give another one.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../pipeline/engine/backend.ts';
import { evaluateModel } from '../../pipeline/engine/evaluate.ts';
import { onePassGradient } from '../../pipeline/engine/full-batch.ts';
import { Net, type Split } from '../../pipeline/engine/model.ts';
import { initWeights, type Weights } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { bgdEpoch } from '../../pipeline/engine/train.ts';
import { chunkedPass, trainingSetPass } from '../../pipeline/engine/training-set-evaluation.ts';
import { randomSplit } from '../helpers/numbers.ts';

beforeAll(async () => {
  await initEngine();
});

const WIDTH = 4;
const settings = { chunkSize: 40, evalBatch: 30 };

function freshNet(): Net {
  return new Net(WIDTH, initWeights(WIDTH, new Rng('training-set-eval', WIDTH)));
}

async function weightsAfterStep(net: Net, train: Split, fromPass: boolean): Promise<Weights> {
  const pass = fromPass ? await trainingSetPass(net, train, {}, settings, true) : null;
  await bgdEpoch(net, train, 0.3, settings.chunkSize, pass?.gradient ?? undefined);
  return net.getWeights();
}

describe('evaluation under the training set statistics', () => {
  it('gives the same numbers from a gradient pass as from a forward pass alone', async () => {
    const train = randomSplit(90, 'tse-train');
    const test = randomSplit(50, 'tse-test');
    const net = freshNet();
    const before = tf.memory().numTensors;
    const alone = await trainingSetPass(net, train, { test }, settings, false);
    const withGradient = await trainingSetPass(net, train, { test }, settings, true);
    expect(alone.gradient).toBeNull();
    expect(withGradient.evaluations).toEqual(alone.evaluations);
    // the pass's gradient is the one-pass gradient, and its loss the training loss evaluated
    const reference = await onePassGradient(net, train);
    const [a, b] = await Promise.all([Promise.all(withGradient.gradient!.grads.map((t) => t.data())), Promise.all(reference.grads.map((t) => t.data()))]);
    a.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(b[i]!)));
    expect(withGradient.gradient!.loss).toBe(alone.evaluations['train']!.loss);
    expect(withGradient.gradient!.error).toBe(alone.evaluations['train']!.error);
    tf.dispose([...withGradient.gradient!.grads, ...reference.grads]);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('steps to the same weights with the pass gradient as with its own', async () => {
    const train = randomSplit(60, 'tse-step');
    const [one, two] = [freshNet(), freshNet()];
    const viaPass = await weightsAfterStep(one, train, true);
    const own = await weightsAfterStep(two, train, false);
    viaPass.forEach((w, l) => expect(Array.from(w)).toEqual(Array.from(own[l]!)));
    one.dispose();
    two.dispose();
  });

  it('gives the same evaluations in chunks when the set does not fit one pass', async () => {
    const train = randomSplit(90, 'tse-chunks');
    const test = randomSplit(40, 'tse-chunks-test');
    const net = freshNet();
    const whole = await trainingSetPass(net, train, { test }, settings, true);
    const chunked = await chunkedPass(net, train, { test }, settings, true);
    for (const name of ['train', 'test']) {
      const [w, c] = [whole.evaluations[name]!, chunked.evaluations[name]!];
      expect(Math.abs(c.loss - w.loss), name).toBeLessThanOrEqual(1e-5 * w.loss);
      expect(c.error, name).toBe(w.error);
    }
    expect(Math.abs(chunked.gradient!.loss - whole.gradient!.loss)).toBeLessThanOrEqual(1e-5 * whole.gradient!.loss);
    tf.dispose([...whole.gradient!.grads, ...chunked.gradient!.grads]);
    net.dispose();
  });

  it('counts errors and the confusion matrix of the whole training set', async () => {
    const train = randomSplit(70, 'tse-count');
    const net = freshNet();
    const { evaluations } = await trainingSetPass(net, train, {}, settings, false);
    const e = evaluations['train']!;
    expect(e.confusion.reduce((x, y) => x + y, 0)).toBe(70);
    const wrong = Array.from(e.predicted).filter((p, i) => p !== train.labels[i]).length;
    expect(e.error).toBe(wrong / 70);
    net.dispose();
  });

  it('differs from the calibration images statistics (a check that could fail)', async () => {
    const train = randomSplit(80, 'tse-calibration');
    const net = freshNet();
    const { evaluations } = await trainingSetPass(net, train, {}, settings, false);
    const calibrated = await evaluateModel(net, train, { train }, { bnCalibration: 20, evalBatch: 20 });
    expect(Math.abs(evaluations['train']!.loss - calibrated['train']!.loss)).toBeGreaterThan(1e-4);
    // with every training image as calibration, both normalize with the same statistics
    const whole = await evaluateModel(net, train, { train }, { bnCalibration: 80, evalBatch: 80 });
    expect(Math.abs(evaluations['train']!.loss - whole['train']!.loss)).toBeLessThanOrEqual(1e-5 * whole['train']!.loss);
    net.dispose();
  });
});
