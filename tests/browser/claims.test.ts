// The paper's claims on the built smoke site: the claims page lists every claim of the run with
// its verdict, a figure page shows its own claims and the regime notice when the run is outside
// the paper's regime, and the SGD section states the settings the run actually used.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '../../pipeline/runs.ts';
import { smokeRun } from '../setup/smoke-run.ts';
import { serveStatic, type StaticServer } from './static-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let manifest: RunManifest;
let server: StaticServer;
let browser: Browser;

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(new URL(path, server.url).href, { waitUntil: 'load' });
  return { page, errors };
}

beforeAll(async () => {
  const run = await smokeRun();
  manifest = JSON.parse(await readFile(run.manifestPath, 'utf8')) as RunManifest;
  server = await serveStatic(run.siteDir);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is not installed`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('claims on the site', () => {
  it('lists every claim of the run on the claims page, with its verdict', async () => {
    const { page, errors } = await open('claims/');
    const shown = await page.$$eval('[data-claim]', (items) => items.map((li) => [li.getAttribute('data-claim'), li.getAttribute('data-status')]));
    expect(shown).toEqual(manifest.claims!.map((c) => [c.id, c.status]));
    expect(await page.textContent('[data-testid="claims-count"]')).toMatch(/\d+ pass, \d+ fail, \d+ not applicable/);
    expect(errors).toEqual([]);
  });

  it("shows Figure 3's claims, and the regime notice when the run does not fit its training set", async () => {
    const { page } = await open('figures/fig-03/');
    const ids = await page.$$eval('[data-claim]', (items) => items.map((li) => li.getAttribute('data-claim')));
    expect(ids).toEqual(manifest.claims!.filter((c) => c.figures.includes('fig-03')).map((c) => c.id));
    const regime = manifest.claims!.find((c) => c.id === 'sgd-regime')!;
    const notice = await page.$('[data-testid="regime-notice"]');
    expect(notice !== null).toBe(regime.status === 'fail');
    if (notice) expect(await notice.textContent()).toMatch(/training error/);
  });

  it('states the SGD settings this run used on the SGD section', async () => {
    const { page } = await open('sections/sgd/');
    const text = (await page.textContent('[data-testid="section-settings"]')) ?? '';
    const sgd = manifest.profile.sgdStages;
    expect(text).toContain('sgdStages');
    for (const key of ['learningRate', 'batchSize', 'epochsPerStage']) expect(text).toContain(key);
    expect(text).toContain(String(sgd.learningRate));
  });
});
