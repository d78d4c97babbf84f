// The nonlinearity after each hidden layer's batch norm: ReLU (the paper's net, one fused op where
// the backend has it, see batch-norm-relu.ts) or a polynomial (the paper's "polynomial net").
//
// A polynomial activation is fitted on an interval [-a, a] (pipeline/analysis/relu-fits.ts) and
// grows fast outside it, so it states what happens there: 'clamp' evaluates p(clamp(x, -a, a))
// (flat outside, zero gradient there), 'none' evaluates the bare polynomial everywhere. It is
// evaluated by Horner's rule in t = x / a, where the coefficients stay moderate; for |t| <= 1 the
// float32 rounding error is at most about 6e-8 x sum |c_j| (3e-5 for ReLU's degree-16 fit on
// [-3, 3]). Its gradient is written out (p'(t) / a, by Horner too) rather than taped op by op, so
// backpropagation keeps only x.
import * as tf from '@tensorflow/tfjs';

export interface PolynomialActivation {
  kind: 'polynomial';
  /** a: the polynomial was fitted on [-a, a] */
  interval: number;
  /** c_0 .. c_n of p = sum_j c_j (x / a)^j */
  coefficients: number[];
  /** outside [-a, a]: evaluate p at the nearest end ('clamp'), or the bare polynomial ('none') */
  outside: 'clamp' | 'none';
}

export type Activation = { kind: 'relu' } | PolynomialActivation;

export const RELU: Activation = { kind: 'relu' };

/** sum_j c_j t^j by Horner's rule (c non-empty). */
function horner(t: tf.Tensor, c: number[]): tf.Tensor {
  let y: tf.Tensor = tf.fill(t.shape, c[c.length - 1]!);
  for (let j = c.length - 2; j >= 0; j--) y = c[j] === 0 ? tf.mul(y, t) : tf.add(tf.mul(y, t), c[j]!);
  return y;
}

/** The coefficients of p'(t) = sum_j j c_j t^(j-1). */
export function derivativeCoefficients(c: number[]): number[] {
  return c.length > 1 ? c.slice(1).map((v, j) => (j + 1) * v) : [0];
}

function checkPolynomial(p: PolynomialActivation): void {
  if (!(p.interval > 0)) throw new Error(`a polynomial activation needs an interval a > 0, got ${p.interval}`);
  if (p.coefficients.length === 0 || !p.coefficients.every(Number.isFinite)) throw new Error('a polynomial activation needs finite coefficients');
}

/** p(x) as specified, differentiable. */
export function polynomial(x: tf.Tensor, p: PolynomialActivation): tf.Tensor {
  checkPolynomial(p);
  const { interval: a, coefficients, outside } = p;
  const slope = derivativeCoefficients(coefficients);
  const inT = (v: tf.Tensor) => tf.mul(outside === 'clamp' ? tf.clipByValue(v, -a, a) : v, 1 / a);
  const f = tf.customGrad((input, save) => {
    const v = input as tf.Tensor;
    (save as tf.GradSaveFunc)([v]);
    return {
      value: horner(inT(v), coefficients),
      gradFunc: (dy, saved) => {
        const [v0] = saved as tf.Tensor[];
        let g = tf.mul(horner(inT(v0!), slope), 1 / a);
        if (outside === 'clamp') g = tf.mul(g, tf.cast(tf.lessEqual(tf.abs(v0!), a), 'float32'));
        return [tf.mul(dy as tf.Tensor, g)];
      },
    };
  });
  return f(x);
}

export function activate<T extends tf.Tensor>(x: T, activation: Activation): T {
  return (activation.kind === 'relu' ? tf.relu(x) : polynomial(x, activation)) as T;
}

function leadingAxes(x: tf.Tensor): number[] {
  return Array.from({ length: x.rank - 1 }, (_, i) => i);
}

/** Batch norm with this batch's own statistics (training): the pre-activations. */
export function batchNorm<T extends tf.Tensor>(z: T, epsilon: number): T {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(z, leadingAxes(z));
    return tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, epsilon)));
  }) as T;
}

/** Batch norm with given per-channel statistics (evaluation). */
export function normalize<T extends tf.Tensor>(z: T, mean: tf.Tensor, variance: tf.Tensor, epsilon: number): T {
  return tf.tidy(() => tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, epsilon)))) as T;
}

/** The activation at one point, on the host in double precision (for figures and checks). */
export function activationAt(activation: Activation, x: number): number {
  if (activation.kind === 'relu') return Math.max(0, x);
  const { interval: a, coefficients: c, outside } = activation;
  const t = (outside === 'clamp' ? Math.min(a, Math.max(-a, x)) : x) / a;
  return c.reduceRight((y, cj) => y * t + cj, 0);
}

/** The interval a polynomial activation was fitted on (null for ReLU, which has none). */
export function fittedInterval(activation: Activation): number | null {
  return activation.kind === 'polynomial' ? activation.interval : null;
}
