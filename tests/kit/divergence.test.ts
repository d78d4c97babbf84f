// Training that diverges (a learning rate far too high): every trajectory stops at its first
// non-finite loss and the ones that would start from it are not trained; the experiment still
// completes, its maps keep what was saved and say why the rest is empty, its figures' captions
// say that training diverged, and its claims are not applicable rather than judged on half data.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figure } from '../../figures/sgd-trajectories.ts';
import { readMds } from '../../pipeline/analysis/trajectory-mds/artifact.ts';
import { claims as mdsClaims } from '../../pipeline/analysis/trajectory-mds/claims.ts';
import { run as runMds, type TrajectoryMdsParams } from '../../pipeline/analysis/trajectory-mds/step.ts';
import { evaluateClaims } from '../../pipeline/claims/evaluate.ts';
import { run as runData } from '../../pipeline/data/step.ts';
import { predictFingerprint } from '../../pipeline/engine/fingerprint.ts';
import { readSnapshotIndex } from '../../pipeline/experiments/kit/snapshots.ts';
import * as e3Claims from '../../pipeline/experiments/sgd-stages/claims.ts';
import { stageViews } from '../../pipeline/experiments/sgd-stages/experiment.ts';
import { run as runSgdStages, type SgdStagesIndex, type SgdStagesParams } from '../../pipeline/experiments/sgd-stages/step.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import type { StepContext } from '../../pipeline/step.ts';
import { InlineRunner } from '../../pipeline/workers/pool.ts';

const params: SgdStagesParams = {
  seed: 3,
  net: { width: 3, bnEpsilon: 1e-5, bnCalibration: 40, evalBatch: 40 },
  sgd: { stages: 3, trajectories: 3, firstPerturbed: 3, epochsPerStage: 2, learningRate: 1e38, batchSize: 20, perturbScale: 0.01 },
};
let root: string;
let dataDir: string;

function context<P>(name: string, stepParams: P, inputs: StepContext['inputs'], logs: string[] = []): StepContext<P> {
  return {
    profile: getProfile('smoke'),
    params: stepParams,
    inputs,
    outDir: join(root, name, 'out'),
    scratchDir: join(root, name, 'scratch'),
    jobs: new InlineRunner(),
    engine: predictFingerprint(),
    progress: () => {},
    log: (m) => logs.push(m),
  };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lf-diverge-'));
  dataDir = join(root, 'data');
  await mkdir(dataDir);
  await runData({ ...context('data', { kind: 'synthetic', seed: 5, train: 60, test: 30 }, {}), outDir: dataDir } as never);
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('training that diverges', () => {
  it('stops there, says so on its maps, figures and claims, and the experiment still completes', async () => {
    const logs: string[] = [];
    const data = { step: 'data', key: 'toy', dir: dataDir };
    const e3 = context('e3', params, { data }, logs);
    await mkdir(e3.outDir, { recursive: true });
    await runSgdStages(e3);
    expect(logs.some((l) => /stage-1-trajectory-1 diverged in epoch 1 \(loss (NaN|-?Infinity)\)/.test(l))).toBe(true);
    expect(logs.some((l) => /stage-2-trajectory-1 is not trained: it starts from stage-1-trajectory-1, which diverged/.test(l))).toBe(true);

    const index = await readSnapshotIndex<SgdStagesIndex['settings']>(e3.outDir);
    const stage1 = index.trajectories.filter((t) => t.meta['stage'] === 1);
    expect(stage1.every((t) => t.diverged?.epoch === 1 && t.epochs.length === 1)).toBe(true);
    expect(index.trajectories.filter((t) => t.meta['stage'] !== 1).every((t) => t.diverged?.startDiverged && t.epochs.length === 0)).toBe(true);

    const experiment = { step: 'experiment:sgd-stages', key: 'toy', dir: e3.outDir };
    const mdsParams: TrajectoryMdsParams = { experiment: 'sgd-stages', source: 'experiment:sgd-stages', layer: 2, dissimilarity: 'chord', views: stageViews(3) };
    const mdsCtx = context('mds', mdsParams, { 'experiment:sgd-stages': experiment });
    await mkdir(mdsCtx.outDir, { recursive: true });
    await runMds(mdsCtx);
    const mds = await readMds(mdsCtx.outDir);
    expect(mds.views.find((v) => v.id === 'stage-1')!.rows).toHaveLength(3);
    expect(mds.views.find((v) => v.id === 'stage-2')!.empty).toMatch(/^no model to place\. Training diverged: 3 of 9 runs/);

    const inputs = { 'experiment:sgd-stages': experiment, 'analysis:mds:sgd-stages:layer-2': { step: 'analysis:mds:sgd-stages:layer-2', key: 'toy', dir: mdsCtx.outDir } };
    const out = await figure.build({ profile: getProfile('smoke'), params: { kind: 'overview', layer: 2, data: { kind: 'synthetic', seed: 5, train: 60, test: 30 } }, inputs });
    expect(out.caption).toMatch(/^\*\*Training diverged: 3 of 9 runs reached a loss that is not a finite number/);
    expect(out.caption).toContain('6 runs were never trained');
    expect(out.caption).toContain('No run finished the last stage.');
    expect(out.regime).toBeUndefined();

    const results = await evaluateClaims(e3Claims, { inputs });
    expect(results.map((r) => r.status)).toEqual(results.map(() => 'not-applicable'));
    expect(results[0]!.reason).toMatch(/^Training diverged/);
    const [faithful] = await evaluateClaims({ claims: mdsClaims }, { inputs });
    expect(faithful!.status).not.toBe('fail');
  });
});
