// E4 on a toy configuration: the main BGD trajectory, the kicked branches and the epoch-wise
// averages land in one snapshot artifact as the step says; the claims give numbers on it; the
// family's figures build from it.
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, type TopLevelSpec } from 'vega-lite';
import { figure as bgdFigure } from '../../figures/bgd-branches.ts';
import type { FigureOutput } from '../../figures/types.ts';
import { evaluateClaims } from '../../pipeline/claims/evaluate.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { combine, perturb } from '../../pipeline/engine/weights.ts';
import { atTrainingEpoch, bgdRun, isRandomStart, trainingEpoch, type BgdBranchesIndex, type BgdRun } from '../../pipeline/experiments/bgd-branches/artifact.ts';
import * as claimsModule from '../../pipeline/experiments/bgd-branches/claims.ts';
import { readRow, readSnapshotIndex } from '../../pipeline/experiments/kit/snapshots.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import { TOY_BGD, TOY_DATA, toyArtifacts, type ToyArtifacts } from './toy.ts';

let toy: ToyArtifacts;
let run: BgdRun;
const { epochs, branchEpochs, noise } = TOY_BGD.bgd;

beforeAll(async () => {
  toy = await toyArtifacts();
  run = bgdRun(await readSnapshotIndex<BgdBranchesIndex['settings']>(toy.inputs['experiment:bgd-branches']!));
});

const row = (epoch: { row: number }) => readRow(toy.inputs['experiment:bgd-branches']!, run.index, epoch.row);

describe('E4 on a toy configuration', () => {
  it('saves the main trajectory, every branch to the main trajectory\'s end, and the averages', () => {
    expect(run.index.settings).toEqual(TOY_BGD);
    expect(run.main.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: epochs + 1 }, (_, i) => i));
    expect(run.branches.map((b) => [b.k, b.from])).toEqual(noise.flatMap((k) => branchEpochs.map((from) => [k, from])));
    for (const b of run.branches) {
      expect(b.branch.epochs.map((e) => trainingEpoch(b.branch, e))).toEqual(Array.from({ length: epochs - b.from + 1 }, (_, i) => b.from + i));
      // every averageEvery-th epoch of the branch and its last; the average of two random models
      // (a branch from epoch 0, at its start) is not evaluated (nor saved): the paper's NaN
      const every = TOY_BGD.bgd.averageEvery;
      const wanted = Array.from({ length: epochs - b.from + 1 }, (_, e) => e).filter((e) => (e % every === 0 || e === epochs - b.from) && !(b.from === 0 && e === 0));
      expect(b.average.epochs.map((e) => trainingEpoch(b.average, e))).toEqual(wanted.map((e) => b.from + e));
    }
    // the random starts are exactly epoch 0 of the main trajectory and of the branches from epoch 0
    const random = run.index.trajectories.flatMap((t) => t.epochs.filter((e) => isRandomStart(t, e)).map(() => t.name));
    expect(random).toEqual(['main', ...noise.map((k) => `branch-k${k}-from-0`)]);
    // every BGD epoch records the exact full-set loss it stepped from
    expect(run.main.epochs.slice(1).every((e) => Number.isFinite(e.runningLoss))).toBe(true);
  });

  it('starts each branch from the main trajectory kicked by k x S, and averages them epoch by epoch', async () => {
    for (const b of run.branches) {
      const kicked = perturb(await row(atTrainingEpoch(run.main, b.from)!), b.k, new Rng(TOY_BGD.seed, 'bgd-branches', 'kick', b.k, b.from));
      const start = await row(b.branch.epochs[0]!);
      start.forEach((layer, l) => expect(Array.from(layer)).toEqual(Array.from(kicked[l]!)));
      const last = b.average.epochs[b.average.epochs.length - 1]!;
      const epoch = trainingEpoch(b.average, last);
      const mean = combine([
        { coefficient: 0.5, weights: await row(atTrainingEpoch(run.main, epoch)!) },
        { coefficient: 0.5, weights: await row(atTrainingEpoch(b.branch, epoch)!) },
      ]);
      (await row(last)).forEach((layer, l) => expect(Array.from(layer)).toEqual(Array.from(mean[l]!)));
      expect(last.trainError).toBeGreaterThanOrEqual(0);
    }
  });

  it('evaluates every claim with its numbers', async () => {
    const results = await evaluateClaims(claimsModule, { inputs: toy.inputs });
    expect(results.map((r) => r.id)).toEqual(['bgd-not-stuck', 'bgd-vs-sgd', 'bgd-later-kicks-matter-less', 'bgd-kick-changes-model', 'bgd-averages-work']);
    for (const r of results) {
      expect(['pass', 'fail', 'not-applicable'], r.id).toContain(r.status);
      expect(Object.keys(r.numbers).length, r.id).toBeGreaterThan(0);
      for (const [name, value] of Object.entries(r.numbers)) if (value !== null) expect(Number.isFinite(value), `${r.id}.${name}`).toBe(true);
    }
    const later = results.find((r) => r.id === 'bgd-later-kicks-matter-less')!;
    expect(Object.keys(later.numbers)).toEqual(expect.arrayContaining(branchEpochs.map((b) => `distanceFromEpoch${b}`)));
    // the toy network is far from fitting its data: the claim on converged solutions says so
    expect(results.find((r) => r.id === 'bgd-vs-sgd')).toMatchObject({ status: 'not-applicable', reason: expect.stringMatching(/between solutions/) });
  });

  it('draws Figure 4 and the larger-kick figures, labelled by training error with NaN for random starts', async () => {
    const profile = getProfile('smoke');
    for (const params of [{ kind: 'map' as const, layer: 2 as const, data: TOY_DATA }, { kind: 'noise' as const, layer: 2 as const, k: 1, data: TOY_DATA }]) {
      const out: FigureOutput = await bgdFigure.build({ profile, params, inputs: toy.inputs });
      const points = out.tables['points']!;
      expect(points.filter((p) => p['trainErrorLabel'] === 'NaN').length).toBeGreaterThan(0);
      expect(points.filter((p) => p['trainErrorLabel'] === 'NaN').every((p) => p['epoch'] === 0 && p['trainError'] === null)).toBe(true);
      expect(out.caption).toContain(`epochs ${branchEpochs.join(', ').replace(/, (\d+)$/, ' and $1')}`);
      expect(out.regime).toMatchObject({ atZero: false });
      if (params.kind === 'noise') expect(new Set(out.tables['curves']!.map((r) => r['trajectory']))).toEqual(new Set(['main', ...branchEpochs.map((b) => `branch ${b}`)]));
      const warnings: string[] = [];
      const logger = { level: () => logger, warn: (...m: unknown[]) => (warnings.push(m.join(' ')), logger), info: () => logger, debug: () => logger, error: (...m: unknown[]) => { throw new Error(m.join(' ')); } };
      compile({ ...out.spec, datasets: out.tables } as TopLevelSpec, { logger: logger as never });
      expect(warnings).toEqual([]);
    }
  });
});
