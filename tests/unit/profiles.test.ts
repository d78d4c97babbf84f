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
});
