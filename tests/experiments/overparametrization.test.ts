// E7 through the kit on a toy run: every width, labelling and seed is one job of one wave; the
// natural and shuffled nets of a width and seed start alike; only the final weights are kept.
// Its claims, on hand-made results, pass, fail or do not apply as their thresholds say.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figure } from '../../figures/overparametrization.ts';
import { evaluateClaims } from '../../pipeline/claims/evaluate.ts';
import type { ClaimResult } from '../../pipeline/claims/types.ts';
import { initWeights, parameterCount } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { readSnapshotIndex, recordsOf, SnapshotWriter } from '../../pipeline/experiments/kit/snapshots.ts';
import * as claimsModule from '../../pipeline/experiments/overparametrization/claims.ts';
import { run, type OverparametrizationIndex, type OverparametrizationParams } from '../../pipeline/experiments/overparametrization/step.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import { makeToy, runToyStep, toyNet, type Toy } from '../kit/toy.ts';

const STEP = 'experiment:overparametrization';
const over = { widths: [2, 1], seeds: 2, maxEpochs: 2, targetTrainError: 0, learningRate: 0.05, batchSize: 20 };
const params: OverparametrizationParams = { seed: 3, net: toyNet(8), over, trainImages: 60 };
let toy: Toy;

beforeAll(async () => {
  toy = await makeToy('lf-e7-');
  await runToyStep(toy, 'e7', params, run);
});
afterAll(async () => toy.remove());

describe('E7 on a toy run', () => {
  it('trains every width, labelling and seed, and keeps every record but only the final weights', async () => {
    const index = await readSnapshotIndex<OverparametrizationIndex['settings']>(toy.artifact(STEP, 'e7'));
    expect(index.trajectories.map((t) => t.name)).toEqual([
      'natural-width-1-seed-1', 'natural-width-1-seed-2', 'natural-width-2-seed-1', 'natural-width-2-seed-2',
      'shuffled-width-1-seed-1', 'shuffled-width-1-seed-2', 'shuffled-width-2-seed-1', 'shuffled-width-2-seed-2',
    ]);
    expect(index.rows).toBe(8);
    for (const t of index.trajectories) {
      expect(t.meta['parameters']).toBe(parameterCount(Number(t.meta['width'])));
      expect(t.width).toBe(t.meta['width']);
      const records = recordsOf(t);
      // at most the cap; stopped early only on reaching zero training error
      expect(records.length - 1).toBe(t.stoppedAt ?? over.maxEpochs);
      if (t.stoppedAt !== undefined) expect(records[records.length - 1]!.trainError).toBe(0);
      expect(t.epochs.map((e) => e.epoch)).toEqual([records.length - 1]);
    }
    // the same start for both labellings: the same test numbers before training
    const at = (name: string) => recordsOf(index.trajectories.find((t) => t.name === name)!)[0]!;
    expect(at('shuffled-width-2-seed-1').testLoss).toBe(at('natural-width-2-seed-1').testLoss);
    expect(at('shuffled-width-2-seed-1').trainLoss).not.toBe(at('natural-width-2-seed-1').trainLoss);
  });

  it('draws Figures 9 and 44 from the artifact', async () => {
    const inputs = { [STEP]: toy.artifact(STEP, 'e7') };
    const data = { kind: 'synthetic' as const, seed: 5, train: 60, test: 30 };
    for (const labels of ['natural', 'shuffled'] as const) {
      const out = await figure.build({ profile: getProfile('smoke'), params: { labels, data }, inputs });
      expect(out.tables['nets']!.length).toBe(2 * 2 * 2);
      expect(out.tables['references']).toEqual([{ parameters: 60, label: 'N = 60 training images' }]);
      expect('chance' in out.tables).toBe(labels === 'shuffled');
      expect(out.caption).toMatch(/(In|Outside) the paper's regime/);
    }
  });
});

type Final = { trainError: number; testError: number };

/** A hand-made E7 artifact: N = 100 training images, final errors per labelling and width (one entry per seed). */
async function results(name: string, finals: Record<'natural' | 'shuffled', Record<number, Final[]>>): Promise<ClaimResult[]> {
  const dir = join(toy.root, name);
  await mkdir(dir, { recursive: true });
  const writer = new SnapshotWriter(dir);
  const widths = Object.keys(finals.natural).map(Number);
  for (const labels of ['natural', 'shuffled'] as const) {
    for (const width of widths) {
      for (const [s, f] of finals[labels][width]!.entries()) {
        writer.trajectory(`${labels}-${width}-${s}`, { labels, width, parameters: parameterCount(width), seed: s + 1 }, width);
        await writer.add({ epoch: 5, ...f, trainLoss: 1, testLoss: 1, runningLoss: 1, runningError: f.trainError }, initWeights(width, new Rng('e7-hand')));
      }
    }
  }
  await writer.close({ ...params, over: { ...over, widths }, trainImages: 100 });
  return evaluateClaims(claimsModule, { inputs: { [STEP]: { step: STEP, key: name, dir } } });
}

const fits = (testError: number): Final[] => [0, 0, 0].map((trainError) => ({ trainError, testError }));

describe('the E7 claims', () => {
  // widths 1, 2, 4: 154, 352 and 910 parameters against N = 100, so widths 2 and 4 have K >= 2 N
  it('pass when the wide nets fit, the widest tests no worse, and shuffled labels are memorised at chance', async () => {
    const shuffled = { 1: [0.8, 0.8, 0.8].map((t) => ({ trainError: t, testError: 0.9 })), 2: fits(0.91), 4: fits(0.89) };
    const out = await results('good', { natural: { 1: [0.4, 0.4, 0.4].map((t) => ({ trainError: t, testError: 0.5 })), 2: fits(0.3), 4: fits(0.305) }, shuffled });
    expect(out.map((c) => [c.id, c.status])).toEqual([['over-fits', 'pass'], ['over-no-harm', 'pass'], ['over-random-labels', 'pass']]);
    expect(out[1]!.numbers).toMatchObject({ smallestFittingWidth: 2, largestWidth: 4 });
    expect(out[1]!.numbers['change']).toBeCloseTo(0.005, 9);
  });

  it('fail when a wide net does not fit, the widest tests worse, or shuffled labels are not memorised', async () => {
    const unfit = [{ trainError: 0.03, testError: 0.33 }, ...fits(0.33).slice(1)];
    const out = await results('bad', {
      natural: { 1: [0.4, 0.4, 0.4].map((t) => ({ trainError: t, testError: 0.5 })), 2: fits(0.3), 4: unfit },
      shuffled: { 1: fits(0.9), 2: fits(0.9), 4: [0.05, 0, 0].map((trainError) => ({ trainError, testError: 0.9 })) },
    });
    expect(out.map((c) => [c.id, c.status])).toEqual([['over-fits', 'fail'], ['over-no-harm', 'fail'], ['over-random-labels', 'fail']]);
    expect(out[0]!.numbers).toMatchObject({ worstTrainError: 0.03, worstWidth: 4 });
    // width 2 is the smallest at which every seed fits; the widest tests 3 points worse
    expect(out[1]!.numbers).toMatchObject({ smallestFittingWidth: 2, largestWidth: 4 });
    expect(out[1]!.numbers['change']).toBeCloseTo(0.03, 9);
  });

  it('do not apply when no width is large enough, none fits, or only the widest fits', async () => {
    const none = await results('none', { natural: { 1: [0.4, 0.4, 0.4].map((t) => ({ trainError: t, testError: 0.5 })) }, shuffled: { 1: fits(0.9) } });
    expect(none.map((c) => c.status)).toEqual(['not-applicable', 'not-applicable', 'pass']);
    expect(none[0]!.reason).toMatch(/no width has at least 2 N = 200 parameters/);
    const only = await results('only', { natural: { 1: [0.4, 0.4, 0.4].map((t) => ({ trainError: t, testError: 0.5 })), 4: fits(0.3) }, shuffled: { 1: fits(0.9), 4: fits(0.7) } });
    expect(only.map((c) => c.status)).toEqual(['pass', 'not-applicable', 'fail']);
    expect(only[1]!.reason).toMatch(/only the largest width fits/);
  });
});
