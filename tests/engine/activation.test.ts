// The polynomial activation of the polynomial net: its values are the fitted polynomial's, its
// gradient is p'(x) (zero outside [-a, a] when clamped), a net built with it trains and counts the
// pre-activations that leave the fitted interval; ReLU stays the default and is unchanged.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateFit, legendreCoefficients, legendreToMonomial } from '../../pipeline/analysis/relu-fits.ts';
import { derivativeCoefficients, polynomial, RELU, type PolynomialActivation } from '../../pipeline/engine/activation.ts';
import { initEngine } from '../../pipeline/engine/backend.ts';
import { evaluateModel } from '../../pipeline/engine/evaluate.ts';
import { crossEntropy, Net } from '../../pipeline/engine/model.ts';
import { initWeights } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { sgdEpoch } from '../../pipeline/engine/train.ts';
import { randomSplit } from '../helpers/numbers.ts';

const A = 3;

function fit(degree: number, outside: PolynomialActivation['outside'] = 'clamp'): { activation: PolynomialActivation; legendre: number[] } {
  const legendre = legendreCoefficients(A, degree);
  return { activation: { kind: 'polynomial', interval: A, coefficients: legendreToMonomial(legendre, 1), outside }, legendre };
}

async function valuesAndSlopes(xs: number[], activation: PolynomialActivation): Promise<{ y: number[]; dy: number[] }> {
  const [y, dy] = tf.tidy(() => {
    const x = tf.tensor1d(xs);
    return [polynomial(x, activation), tf.grad((v: tf.Tensor) => polynomial(v, activation))(x)];
  });
  const out = { y: Array.from(await y!.data()), dy: Array.from(await dy!.data()) };
  tf.dispose([y!, dy!]);
  return out;
}

beforeAll(async () => {
  await initEngine();
});

describe('the polynomial activation', () => {
  it('is the Legendre fit of ReLU inside [-a, a], with its derivative as gradient, in float32', async () => {
    const xs = Array.from({ length: 61 }, (_, i) => -A + (2 * A * i) / 60);
    for (const degree of [2, 8, 16]) {
      const { activation, legendre } = fit(degree);
      const { y, dy } = await valuesAndSlopes(xs, activation);
      xs.forEach((x, i) => {
        const [value, slope] = evaluateFit(legendre, A, x);
        expect(Math.abs(y[i]! - value), `p(${x}), degree ${degree}`).toBeLessThan(1e-4);
        // at x = +-a the clamp's gradient is kept (|x| <= a)
        expect(Math.abs(dy[i]! - slope), `p'(${x}), degree ${degree}`).toBeLessThan(2e-3 * Math.max(1, Math.abs(slope)));
      });
    }
  });

  it('is flat outside [-a, a] when clamped, and the bare polynomial when not', async () => {
    const xs = [-5, -3.5, 3.5, 5];
    const clamped = fit(8, 'clamp');
    const { y, dy } = await valuesAndSlopes(xs, clamped.activation);
    xs.forEach((x, i) => {
      expect(y[i]).toBeCloseTo(evaluateFit(clamped.legendre, A, Math.sign(x) * A)[0], 4);
      expect(dy[i]).toBe(0);
    });
    const bare = fit(8, 'none');
    const free = await valuesAndSlopes(xs, bare.activation);
    xs.forEach((x, i) => expect(free.y[i]! / evaluateFit(bare.legendre, A, x)[0]).toBeCloseTo(1, 4));
  });

  it('differentiates a polynomial term by term', () => {
    expect(derivativeCoefficients([1, 2, 3, 4])).toEqual([2, 6, 12]);
    expect(derivativeCoefficients([5])).toEqual([0]);
  });

  it('trains a net, counts the pre-activations outside [-a, a], and evaluates it with the same activation', async () => {
    const width = 4;
    const split = randomSplit(40, 'poly-net-data');
    const weights = initWeights(width, new Rng('poly-net-weights'));
    const poly = new Net(width, weights, 1e-5, fit(8).activation);
    const relu = new Net(width, weights);
    expect(relu.activation).toEqual(RELU);
    expect(await relu.takePreActivations()).toBeNull();

    const order = new Rng('poly-net-order').permutation(split.count);
    const stats = await sgdEpoch(poly, split, 0.05, 10, order);
    expect(Number.isFinite(stats.loss)).toBe(true);
    const seen = (await poly.takePreActivations())!;
    expect(seen.interval).toBe(A);
    // 4 hidden layers; 4 batches of 10 images, at 16x16, 8x8, 4x4 and 2x2 positions of 4 channels
    expect(seen.total).toEqual([16 * 16, 8 * 8, 4 * 4, 2 * 2].map((p) => 40 * p * width));
    seen.outside.forEach((n, l) => {
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThan(seen.total[l]!);
      expect(seen.maxAbs[l]! > A).toBe(n > 0);
    });
    // batch norm keeps pre-activations within sqrt(images x positions - 1) standard deviations of the mean
    expect(Math.max(...seen.maxAbs)).toBeLessThan(Math.sqrt(10 * 4));
    // taken: the next call starts from zero
    expect((await poly.takePreActivations())!.total).toEqual([0, 0, 0, 0]);

    // evaluation uses the polynomial too: the two nets, same weights, evaluate differently
    const evalSettings = { bnCalibration: 40, evalBatch: 20 };
    const trained = await poly.getWeights();
    relu.setWeights(trained);
    const [p, r] = [await evaluateModel(poly, split, { train: split }, evalSettings), await evaluateModel(relu, split, { train: split }, evalSettings)];
    expect(p['train']!.loss).not.toBeCloseTo(r['train']!.loss, 4);
    // ... and evaluation does not count as training
    expect((await poly.takePreActivations())!.total).toEqual([0, 0, 0, 0]);
    poly.dispose();
    relu.dispose();
  });

  it('keeps ReLU as the default: a net built without an activation is the ReLU net', async () => {
    const width = 3;
    const split = randomSplit(8, 'relu-default-data');
    const weights = initWeights(width, new Rng('relu-default-weights'));
    const [a, b] = [new Net(width, weights), new Net(width, weights, 1e-5, RELU)];
    const loss = (net: Net) =>
      tf.tidy(() => crossEntropy(net.logits(tf.tensor4d(split.images, [split.count, 32, 32, 3])), tf.tensor1d(split.labels, 'int32')));
    const [la, lb] = [loss(a), loss(b)];
    expect((await la.data())[0]).toBe((await lb.data())[0]);
    tf.dispose([la, lb]);
    a.dispose();
    b.dispose();
  });
});
