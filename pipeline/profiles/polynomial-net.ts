import type { PerProfile } from './names.ts';

/**
 * E2 (training part): the DCNN trained once with ReLU and once per degree with ReLU's
 * least-squares polynomial fit on [-a, a] (a from the fits' own settings, reluFits.a), with the
 * same initial weights, mini-batch order and settings.
 */
export interface PolynomialNetSettings {
  /** the polynomial net of Figure 40 and the claim: the degree of its fit of ReLU */
  degree: number;
  /** further degrees trained beside it, drawn in Figure 2 */
  moreDegrees: number[];
  /** outside [-a, a]: evaluate the fit at the nearest end ('clamp') or the bare polynomial ('none') */
  outside: 'clamp' | 'none';
  /** each net is trained from this many seeds (initial weights and mini-batch order) */
  seeds: number;
  epochs: number;
  learningRate: number;
  batchSize: number;
}

const paperSettings: PolynomialNetSettings = {
  degree: 8,
  moreDegrees: [4, 16],
  outside: 'clamp',
  seeds: 3,
  epochs: 60,
  learningRate: 0.01,
  batchSize: 100,
};

// The small profiles take the larger rate and smaller batches of E3's small profiles (see
// sgd-stages.ts), so their nets learn in a few epochs.
export const polynomialNet: PerProfile<PolynomialNetSettings> = {
  smoke: { ...paperSettings, moreDegrees: [], seeds: 1, epochs: 3, learningRate: 0.05, batchSize: 20 },
  preview: { ...paperSettings, moreDegrees: [4], seeds: 2, epochs: 12, learningRate: 0.05, batchSize: 50 },
  cifar: { ...paperSettings, seeds: 2, epochs: 20 },
  paper: paperSettings,
};
