// Claims as part of a run: computed by cached steps, written into the run manifest, printed at the
// end, and turned into a non-zero exit by --strict-claims only.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '../../pipeline/runs.ts';
import { childEnv, smokeRun, type SmokeRun } from '../setup/smoke-run.ts';

function figures(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'pipeline/cli.mjs', ...args], { env: childEnv({ NO_COLOR: '1', FORCE_COLOR: '0' }), maxBuffer: 32 * 2 ** 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

// the shared smoke run may take minutes on a busy machine: wait for it under the hook timeout
let smoke: SmokeRun;
beforeAll(async () => {
  smoke = await smokeRun();
});

describe('claims in a run', () => {
  it('are computed for every experiment with claims and the MDS maps, and recorded in the manifest', async () => {
    const manifest = JSON.parse(await readFile(smoke.manifestPath, 'utf8')) as RunManifest;
    expect(manifest.steps.filter((s) => s.kind === 'claims').map((s) => [s.name, s.status])).toEqual([
      ['claims:E2', 'computed'],
      ['claims:E3', 'computed'],
      ['claims:E4', 'computed'],
      ['claims:E5', 'computed'],
      ['claims:E6', 'computed'],
      ['claims:E7', 'computed'],
      ['claims:mds', 'computed'],
    ]);
    const claims = manifest.claims!;
    expect(claims.map((c) => c.id)).toEqual([
      'poly-like-relu',
      'sgd-regime',
      'sgd-paths-differ',
      'sgd-kick-small',
      'sgd-crowding',
      'bgd-not-stuck',
      'bgd-vs-sgd',
      'bgd-later-kicks-matter-less',
      'bgd-kick-changes-model',
      'bgd-averages-work',
      'flat-global-min',
      'flat-copies-refit',
      'flat-copies-differ',
      'degenerate-minima',
      'interp-within-basin',
      'interp-between-basins',
      'perturb-small-vs-large',
      'flat-directions',
      'over-fits',
      'over-no-harm',
      'over-random-labels',
      'mds-faithful',
    ]);
    for (const c of claims) {
      expect(['pass', 'fail', 'not-applicable']).toContain(c.status);
      expect(c.threshold.length).toBeGreaterThan(10);
      if (c.status === 'not-applicable') expect(c.reason).toBeTruthy();
      else expect(Object.values(c.numbers).every((v) => v === null || Number.isFinite(v))).toBe(true);
    }
    // the smoke profile stops short of zero training error: its regime claim says so with its number
    const regime = claims.find((c) => c.id === 'sgd-regime')!;
    expect(regime.numbers['worstFinalTrainError']).toBeGreaterThan(0);
    expect(regime.status).toBe(regime.numbers['worstFinalTrainError']! <= 0.005 ? 'pass' : 'fail');
    if (regime.status === 'fail') expect(claims.find((c) => c.id === 'sgd-crowding')).toMatchObject({ status: 'not-applicable', reason: expect.stringMatching(/Outside the paper's regime/) });
    expect(smoke.output).toMatch(/claims of the paper: \d+ pass, \d+ fail, \d+ not applicable/);
  });

  it('fail the command only with --strict-claims', async () => {
    const manifest = JSON.parse(await readFile(smoke.manifestPath, 'utf8')) as RunManifest;
    const failing = manifest.claims!.filter((c) => c.status === 'fail').map((c) => c.id);
    const args = ['--profile', 'smoke', '--cache-dir', smoke.cacheDir, '--no-site'];
    const strict = await figures([...args, '--strict-claims']);
    if (failing.length === 0) {
      expect(strict.code).toBe(0);
      return;
    }
    expect(strict.code).toBe(1);
    expect(strict.output).toMatch(new RegExp(`claims? of the paper failed on this run \\(--strict-claims\\): ${failing.join(', ')}`));
    expect((await figures(args)).code).toBe(0);
  });
});
