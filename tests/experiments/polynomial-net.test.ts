// E2 through the kit on a toy run: the ReLU net and the polynomial nets of every seed start from
// the same weights and see the same mini-batches; the artifact keeps every epoch's record, the
// polynomial nets' pre-activation counts and the final confusion matrices; the claim is computed
// from it, and fails when the polynomial net falls behind or leaves its interval.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figure as fig02 } from '../../figures/fig-02.ts';
import { figure as fig40 } from '../../figures/fig-40.ts';
import { evaluateClaims } from '../../pipeline/claims/evaluate.ts';
import { initWeights } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { readSnapshotIndex, recordsOf, SnapshotWriter } from '../../pipeline/experiments/kit/snapshots.ts';
import type { EpochRecord } from '../../pipeline/experiments/kit/trajectory.ts';
import { TrajectoryStore } from '../../pipeline/experiments/kit/trajectory-store.ts';
import * as claimsModule from '../../pipeline/experiments/polynomial-net/claims.ts';
import { readPolynomialNetResults } from '../../pipeline/experiments/polynomial-net/results.ts';
import { run, type PolynomialNetIndex, type PolynomialNetParams } from '../../pipeline/experiments/polynomial-net/step.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import { makeToy, runToyStep, toyNet, type Toy } from '../kit/toy.ts';

const STEP = 'experiment:polynomial-net';
const params: PolynomialNetParams = {
  seed: 3,
  net: toyNet(3),
  a: 4,
  poly: { degree: 8, moreDegrees: [4], outside: 'clamp', seeds: 2, epochs: 2, learningRate: 0.05, batchSize: 20 },
};
let toy: Toy;

beforeAll(async () => {
  toy = await makeToy('lf-e2-');
  await runToyStep(toy, 'e2', params, run);
});
afterAll(async () => toy.remove());

/** The artifact with the final records of the degree-8 net changed by `edit`, in a folder of its own. */
async function edited(name: string, edit: (r: EpochRecord) => EpochRecord): Promise<string> {
  const index = await readSnapshotIndex<PolynomialNetIndex['settings']>(toy.artifact(STEP, 'e2'));
  const dir = join(toy.root, name);
  await mkdir(dir, { recursive: true });
  const writer = new SnapshotWriter(dir);
  for (const t of index.trajectories) {
    writer.trajectory(t.name, t.meta, t.width);
    const records = recordsOf(t).map((r, i, all) => (t.meta['net'] === 'degree-8' && i === all.length - 1 ? edit(r) : r));
    for (const r of records) writer.addRecord(r);
    await writer.add(records[records.length - 1]!, initWeights(t.width, new Rng('e2-edited')));
  }
  await writer.close(index.settings);
  return dir;
}

describe('E2 on a toy run', () => {
  it('trains every net from every seed with the same start and records what the figures need', async () => {
    const index = await readSnapshotIndex<PolynomialNetIndex['settings']>(toy.artifact(STEP, 'e2'));
    expect(index.settings.nets.map((n) => n.id)).toEqual(['relu', 'degree-8', 'degree-4']);
    expect(index.trajectories.map((t) => t.name)).toEqual(['relu-seed-1', 'degree-8-seed-1', 'degree-4-seed-1', 'relu-seed-2', 'degree-8-seed-2', 'degree-4-seed-2']);
    expect(index.rows).toBe(6);
    const scratch = toy.context('e2').scratchDir;
    for (const seed of [1, 2]) {
      const starts = await Promise.all(['relu', 'degree-8', 'degree-4'].map((n) => new TrajectoryStore(scratch, `${n}-seed-${seed}`, 3).weights(0)));
      for (const s of starts.slice(1)) s.forEach((layer, l) => expect(Array.from(layer)).toEqual(Array.from(starts[0]![l]!)));
    }
    for (const t of index.trajectories) {
      const records = recordsOf(t);
      expect(records.map((r) => r.epoch)).toEqual([0, 1, 2]);
      expect(t.epochs.map((e) => e.epoch)).toEqual([2]);
      expect(t.epochs[0]!.confusion).toBeDefined();
      const poly = t.meta['net'] !== 'relu';
      expect(records.slice(1).every((r) => (r.preActivations ? r.preActivations.interval === 4 : false))).toBe(poly);
    }
  });

  it('computes the claim from the records, and fails it when the polynomial net falls behind or leaves [-a, a]', async () => {
    const results = await readPolynomialNetResults(toy.artifact(STEP, 'e2'));
    expect(results.main.net.id).toBe('degree-8');
    expect(results.main.outside!.share).toBeGreaterThanOrEqual(0);
    expect(results.main.outside!.share).toBeLessThan(1);
    expect(results.relu.outside).toBeNull();
    const [claim] = await evaluateClaims(claimsModule, { inputs: { [STEP]: toy.artifact(STEP, 'e2') } });
    expect(['pass', 'fail']).toContain(claim!.status);
    expect(claim!.numbers).toMatchObject({ degree: 8, a: 4, seeds: 2, finite: 1, outsideShare: results.main.outside!.share });

    const relu = results.relu.meanTrainError;
    const even = await edited('even', (r) => ({ ...r, trainError: relu, testError: results.relu.meanTestError, preActivations: r.preActivations && { ...r.preActivations, outside: r.preActivations.outside.map(() => 0) } }));
    const judge = async (dir: string) => (await evaluateClaims(claimsModule, { inputs: { [STEP]: { step: STEP, key: dir, dir } } }))[0]!;
    // the edit applies to the last epoch of both seeds: equal means, nothing outside in it
    const level = await judge(even);
    expect(level.numbers['trainGap']).toBeCloseTo(0, 9);
    expect(level.numbers['testGap']).toBeCloseTo(0, 9);
    expect(level.status).toBe(level.numbers['outsideShare']! <= 0.01 ? 'pass' : 'fail');
    const behind = await judge(await edited('behind', (r) => ({ ...r, trainError: relu, testError: results.relu.meanTestError + 0.05 })));
    expect(behind).toMatchObject({ status: 'fail' });
    expect(behind.numbers['testGap']).toBeCloseTo(0.05, 9);
    const outside = await judge(
      await edited('outside', (r) => ({ ...r, trainError: relu, testError: results.relu.meanTestError, preActivations: { ...r.preActivations!, outside: r.preActivations!.total.map((n) => n) } })),
    );
    expect(outside).toMatchObject({ status: 'fail' });
    expect(outside.numbers['worstEpochOutsideShare']).toBe(1);
  });

  it('draws Figures 2 and 40 from the artifact', async () => {
    const inputs = { [STEP]: toy.artifact(STEP, 'e2') };
    const profile = getProfile('smoke');
    const data = { kind: 'synthetic' as const, seed: 5, train: 60, test: 30 };
    const two = await fig02.build({ profile, params: { data }, inputs });
    expect(two.tables['activations']!.length).toBe(3 * 401);
    expect(two.tables['errors']!.length).toBe(6 * 3 * 2);
    expect(two.caption).toMatch(/fell outside \[-4, 4\]/);
    expect(two.regime).toMatchObject({ atZero: expect.any(Boolean) });
    const forty = await fig40.build({ profile, params: { data }, inputs });
    // two nets, training and test, 10 x 10 cells each; the counts add up to the splits
    expect(forty.tables['cells']!.length).toBe(400);
    const total = (panel: string) => forty.tables['cells']!.filter((c) => c.panel === panel).reduce((s, c) => s + (c.count as number), 0);
    expect([total('ReLU, training set'), total('ReLU, test set')]).toEqual([60, 30]);
  });
});
