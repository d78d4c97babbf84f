// A toy E4 (and a toy E3 for the claim against SGD), run the way the planner would, into fresh
// temporary folders, once per test process: data, the E4 step, and its layer-2 MDS.
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as runMds, type TrajectoryMdsParams } from '../../pipeline/analysis/trajectory-mds/step.ts';
import { mdsStepName } from '../../pipeline/analysis/trajectory-mds/names.ts';
import { run as runData } from '../../pipeline/data/step.ts';
import { predictFingerprint } from '../../pipeline/engine/fingerprint.ts';
import type { BgdBranchesParams } from '../../pipeline/experiments/bgd-branches/artifact.ts';
import { noiseViews } from '../../pipeline/experiments/bgd-branches/experiment.ts';
import { run as runBgd } from '../../pipeline/experiments/bgd-branches/step.ts';
import { run as runSgd, type SgdStagesParams } from '../../pipeline/experiments/sgd-stages/step.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import type { DataSettings } from '../../pipeline/profiles/data.ts';
import type { ArtifactRef, StepContext } from '../../pipeline/step.ts';
import { InlineRunner } from '../../pipeline/workers/pool.ts';

export const TOY_DATA: DataSettings = { kind: 'synthetic', seed: 5, train: 60, test: 30 };
const net = { width: 3, bnEpsilon: 1e-5, bnCalibration: 40, evalBatch: 40 };

export const TOY_BGD: BgdBranchesParams = {
  seed: 7,
  net,
  bgd: { epochs: 6, learningRate: 0.5, chunkSize: 25, branchEpochs: [0, 2, 4], noise: [0.25, 1], mapEvery: 2, averageEvery: 2 },
};

const TOY_SGD: SgdStagesParams = {
  seed: 7,
  net,
  sgd: { stages: 2, trajectories: 2, firstPerturbed: 2, epochsPerStage: 1, learningRate: 0.05, batchSize: 20, perturbScale: 0.01 },
};

export interface ToyArtifacts {
  inputs: Record<string, ArtifactRef>;
  /** the E4 step's checkpoints */
  scratchDir: string;
}

let memo: Promise<ToyArtifacts> | null = null;

export function toyArtifacts(): Promise<ToyArtifacts> {
  memo ??= build();
  return memo;
}

async function build(): Promise<ToyArtifacts> {
  const root = await mkdtemp(join(tmpdir(), 'lf-bgd-'));
  const context = <P>(name: string, params: P, inputs: Record<string, ArtifactRef>): StepContext<P> => ({
    profile: getProfile('smoke'),
    params,
    inputs,
    outDir: join(root, name),
    scratchDir: join(root, `${name}-scratch`),
    jobs: new InlineRunner(),
    engine: predictFingerprint(),
    progress: () => {},
    log: () => {},
  });
  const step = async <P>(name: string, params: P, inputs: Record<string, ArtifactRef>, run: (ctx: StepContext<P>) => Promise<void>): Promise<ArtifactRef> => {
    const ctx = context(name, params, inputs);
    await mkdir(ctx.outDir, { recursive: true });
    await run(ctx);
    return { step: name, key: 'toy', dir: ctx.outDir };
  };
  const data = await step('data', TOY_DATA, {}, runData);
  const bgd = await step('experiment:bgd-branches', TOY_BGD, { data }, runBgd);
  const sgd = await step('experiment:sgd-stages', TOY_SGD, { data }, runSgd);
  const mdsParams: TrajectoryMdsParams = { experiment: 'bgd-branches', source: 'experiment:bgd-branches', layer: 2, dissimilarity: 'chord', views: noiseViews(TOY_BGD.bgd) };
  const mds = await step(mdsStepName('bgd-branches', 2), mdsParams, { 'experiment:bgd-branches': bgd }, runMds);
  return {
    inputs: { data, 'experiment:bgd-branches': bgd, 'experiment:sgd-stages': sgd, [mdsStepName('bgd-branches', 2)]: mds },
    scratchDir: join(root, 'experiment:bgd-branches-scratch'),
  };
}
