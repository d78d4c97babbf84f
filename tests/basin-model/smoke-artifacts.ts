// Runs the E1 step and the ReLU-fit step of the smoke profile into fresh temporary folders, the
// way the planner would, for the tests that look at computed data.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getProfile, type Profile } from '../../pipeline/profiles.ts';
import { run as runBasinModel } from '../../pipeline/experiments/basin-model/step.ts';
import { basinModelParams } from '../../pipeline/experiments/basin-model/experiment.ts';
import { run as runReluFits } from '../../pipeline/analysis/relu-fits-step.ts';
import type { ArtifactRef, StepContext } from '../../pipeline/step.ts';
import { InlineRunner } from '../../pipeline/workers/pool.ts';

function context<P>(profile: Profile, params: P, outDir: string): StepContext<P> {
  return {
    profile,
    params,
    inputs: {},
    outDir,
    scratchDir: `${outDir}-scratch`,
    jobs: new InlineRunner(),
    engine: null,
    progress: () => {},
    log: () => {},
  };
}

export async function basinModelArtifact(profileName = 'smoke'): Promise<ArtifactRef> {
  const profile = getProfile(profileName);
  const dir = await mkdtemp(join(tmpdir(), 'basin-model-'));
  await runBasinModel(context(profile, basinModelParams(profile), dir));
  return { step: 'experiment:basin-model', key: 'test', dir };
}

export async function reluFitsArtifact(profileName = 'smoke'): Promise<ArtifactRef> {
  const profile = getProfile(profileName);
  const dir = await mkdtemp(join(tmpdir(), 'relu-fits-'));
  await runReluFits(context(profile, profile.reluFits, dir));
  return { step: 'analysis:relu-fits', key: 'test', dir };
}
