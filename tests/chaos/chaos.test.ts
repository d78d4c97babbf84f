// The reliability campaigns, short, on the smoke profile, against the shared smoke run
// (tests/setup/smoke-run.ts) as the uninterrupted reference: a few kill -9 points, a dozen
// damaged files, two runs at once and a site build during a run. The full campaign is
// `npm run chaos -- --profile preview` (README).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smokeRun } from '../setup/smoke-run.ts';
import { concurrencyTable, runConcurrencyCampaign } from './concurrency.ts';
import { corruptionTable, runCorruptionCampaign } from './corruption.ts';
import { killTable, runKillCampaign, type Reference } from './kill-campaign.ts';
import { resultOf } from './outcome.ts';

const KILL_POINTS = 4;
const DAMAGED_FILES = 9;
const MINUTES = 60_000;

let dir: string;
let reference: Reference;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-chaos-'));
  const smoke = await smokeRun();
  const runId = basename(smoke.manifestPath, '.json');
  reference = { dir: dirname(smoke.cacheDir), runId, traceFile: smoke.traceFile, result: await resultOf(smoke.cacheDir, runId), seconds: smoke.seconds };
}, 20 * MINUTES);
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('reliability campaigns on the smoke profile', () => {
  it(`kill -9 at ${KILL_POINTS} points: each rerun ends exactly where the uninterrupted run ends`, async () => {
    const campaign = await runKillCampaign({ profile: 'smoke', points: KILL_POINTS, dir: join(dir, 'kill'), reference });
    console.log(killTable(campaign));
    expect(campaign.rows.map((r) => `${r.point} ${r.outcome}`)).toEqual(campaign.rows.map((r) => `${r.point} identical`));
  }, 20 * MINUTES);

  it('kill -9 in runs started warm (the reference cache less the killed step and its dependants): identical too', async () => {
    const campaign = await runKillCampaign({ profile: 'smoke', points: 2, dir: join(dir, 'kill-warm'), reference, warm: true });
    console.log(killTable(campaign));
    expect(campaign.rows.map((r) => `${r.point} ${r.outcome}`)).toEqual(campaign.rows.map((r) => `${r.point} identical`));
    // the first points land in the first experiment: it and what depends on it were left out, the rest reused
    expect(campaign.rows[0]!.detail).toMatch(/warm: \d+ of the reference's steps left out, from experiment:/);
  }, 20 * MINUTES);

  it('damaged objects, checkpoints and run manifests are found, reported and recomputed', async () => {
    const campaign = await runCorruptionCampaign({ profile: 'smoke', cases: DAMAGED_FILES, dir: join(dir, 'corrupt'), reference });
    console.log(corruptionTable(campaign));
    expect(campaign.rows.map((r) => `${r.target}: ${r.outcome}`)).toEqual(campaign.rows.map((r) => `${r.target}: detected and recomputed`));
    expect(campaign.rerun).toMatch(/^figures and claims identical/);
  }, 20 * MINUTES);

  it('two runs at once and a site build during a run: nothing corrupted, nothing computed twice at once', async () => {
    const campaign = await runConcurrencyCampaign({ profile: 'smoke', dir: join(dir, 'concurrent'), reference });
    console.log(concurrencyTable(campaign));
    expect(campaign.rows.filter((r) => !r.ok)).toEqual([]);
  }, 20 * MINUTES);
});
