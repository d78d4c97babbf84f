// The whole pipeline on the smoke profile, from an empty cache: every artifact of Figure 3, the
// run manifest and the site; then a second run that must reuse every step.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../../figures/catalog.ts';
import { Cache, sha256File } from '../../pipeline/cache.ts';
import type { RunManifest } from '../../pipeline/runs.ts';
import { childEnv, smokeRun, type SmokeRun } from '../setup/smoke-run.ts';

const run = promisify(execFile);
/** a figure with no module yet, while there is one: listed as missing, refused by --only */
const UNBUILT = CATALOG.find((e) => !e.build)?.id;

async function figures(args: string[]): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'pipeline/cli.mjs', ...args], {
    env: childEnv({ NO_COLOR: '1', FORCE_COLOR: '0' }),
    maxBuffer: 32 * 2 ** 20,
  });
  return stdout + stderr;
}

// the shared smoke run may take minutes on a busy machine: wait for it under the hook timeout
let smoke: SmokeRun;
beforeAll(async () => {
  smoke = await smokeRun();
});

describe('npm run figures -- --profile smoke', () => {
  it('builds Figure 3 from an empty cache: spec, SVG, PNG, CSV, run manifest and site', async () => {
    const manifest = JSON.parse(await readFile(smoke.manifestPath, 'utf8')) as RunManifest;
    expect(manifest.status).toBe('ok');
    expect(manifest.profile.name).toBe('smoke');
    expect(manifest.steps.length).toBeGreaterThan(5);
    // an empty cache: everything is computed, nothing reused
    expect(manifest.steps.filter((s) => s.status !== 'computed')).toEqual([]);
    expect(manifest.engine?.initialised).toBe(true);
    expect(manifest.dataset?.info).toMatchObject({ kind: 'synthetic', train: 200, test: 100 });
    expect(manifest.git.commit === null || /^[0-9a-f]{40}$/.test(manifest.git.commit)).toBe(true);

    const fig3 = manifest.figures.find((f) => f.id === 'fig-03')!;
    expect(fig3.status).toBe('built');
    const cache = new Cache(smoke.cacheDir);
    const dir = cache.objectDir(fig3.renderKey!);
    for (const file of ['spec.vl.json', 'figure.svg', 'figure.png', 'points.csv']) {
      expect(fig3.files![file], file).toBe(await sha256File(join(dir, file)));
    }
    const spec = JSON.parse(await readFile(join(dir, 'spec.vl.json'), 'utf8'));
    expect(spec.$schema).toMatch(/vega-lite/);
    expect((await readFile(join(dir, 'figure.svg'), 'utf8')).startsWith('<svg')).toBe(true);
    const png = await readFile(join(dir, 'figure.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const csv = (await readFile(join(dir, 'points.csv'), 'utf8')).split('\r\n');
    expect(csv[0]).toMatch(/view,stage,trajectory,epoch/);
    // 12 stages x 8 trajectories x (2 epochs + start) snapshots in view A alone
    expect(csv.filter((line) => line.startsWith('all,')).length).toBe(12 * 8 * 3);

    // a figure without a module is listed as missing, never drawn
    if (UNBUILT) expect(manifest.figures.find((f) => f.id === UNBUILT)).toMatchObject({ status: 'missing' });
    expect(existsSync(join(smoke.siteDir, 'index.html'))).toBe(true);
    expect(existsSync(join(smoke.siteDir, 'figures', 'fig-03', 'index.html'))).toBe(true);
  });

  it('reuses every step on a second run, and explains the hits', async () => {
    const output = await figures(['--profile', 'smoke', '--cache-dir', smoke.cacheDir, '--site-dir', smoke.siteDir]);
    expect(output).toMatch(/0 steps computed, \d+ reused/);
    expect(output).toMatch(/site reused/);
    const cache = new Cache(smoke.cacheDir);
    const runs = (await import('../../pipeline/runs.ts')).listRuns;
    const ids = await runs(cache);
    const second = JSON.parse(await readFile(join(cache.runsDir, `${ids[ids.length - 1]}.json`), 'utf8')) as RunManifest;
    expect(second.steps.every((s) => s.status === 'reused')).toBe(true);
    expect(second.engine?.initialised).toBe(false);

    const explained = await figures(['--profile', 'smoke', '--cache-dir', smoke.cacheDir, '--explain', 'fig-03']);
    const lines = explained.split('\n').filter((l) => /^(hit|miss|corrupt)/.test(l));
    expect(lines.map((l) => l.split(/\s+/)[1])).toEqual([
      'data',
      'experiment:sgd-stages',
      'analysis:mds:sgd-stages:layer-2',
      'figure:fig-03',
      'render:fig-03',
    ]);
    expect(lines.every((l) => l.startsWith('hit'))).toBe(true);
  });

  it('fails with a one-line reason on a bad option', async () => {
    await expect(figures(['--profile', 'huge'])).rejects.toMatchObject({ stderr: expect.stringMatching(/figures: unknown profile 'huge'/) });
    if (UNBUILT) await expect(figures(['--only', UNBUILT])).rejects.toMatchObject({ stderr: expect.stringMatching(new RegExp(`${UNBUILT} .* has no figure module yet`)) });
    await expect(figures(['--frobnicate'])).rejects.toMatchObject({ stderr: expect.stringMatching(/unknown option --frobnicate/) });
    const help = await figures(['--help']);
    expect(help).toMatch(/--profile <name>/);
  });
});
