import { describe, expect, it } from 'vitest';
import { getProfile, PROFILE_NAMES } from '../../pipeline/profiles.ts';

describe('profiles', () => {
  it('knows the four profiles and rejects others by name', () => {
    for (const name of PROFILE_NAMES) expect(getProfile(name).name).toBe(name);
    expect(() => getProfile('fast')).toThrow(/unknown profile 'fast'/);
  });

  it('keeps the paper settings of E3 in the paper profile', () => {
    const s = getProfile('paper').sgdStages;
    expect(s).toMatchObject({ stages: 12, trajectories: 8, epochsPerStage: 10, learningRate: 0.01, batchSize: 100, perturbScale: 0.01, firstPerturbed: 5 });
  });

  it("keeps the paper settings of E5 and E6 in the paper profile", () => {
    const { flatMinima, interpolation } = getProfile('paper');
    expect(flatMinima).toMatchObject({ ks: [0.1, 0.25, 0.5, 1.0], copies: 4, retrain: { epochs: 200 }, minimum: { sgd: { epochs: 60 }, gd: { epochs: 400 } } });
    expect(interpolation.line).toEqual({ points: 41, from: -0.5, to: 1.5 });
    for (const name of PROFILE_NAMES) {
      const { corollary } = getProfile(name).flatMinima;
      const weights = corollary.hidden * (corollary.inputDim + 1) + corollary.outputs * (corollary.hidden + 1);
      expect(weights, name).toBeGreaterThan(corollary.samples * corollary.outputs);
    }
  });
});
