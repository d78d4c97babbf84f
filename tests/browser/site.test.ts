// The built site in a real browser (Debian's Chromium, driven by playwright-core), served at the
// root of a local static server. The site comes from one real pipeline run on the smoke profile
// (tests/setup/smoke-run.ts), so what is checked is what `npm run figures` publishes. The same
// folder opened from disk and served under a sub-path: portable.test.ts; every link of every
// page: links.test.ts.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '../../pipeline/runs.ts';
import { smokeRun, type SmokeRun } from '../setup/smoke-run.ts';
import { chartSettled, expectCompleteFigurePage, launchChromium, visit, type Visit } from './browser.ts';
import { serveStatic, type StaticServer } from './static-server.ts';

const FIGURE = 'fig-03';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

let run: SmokeRun;
let manifest: RunManifest;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  run = await smokeRun();
  manifest = JSON.parse(await readFile(run.manifestPath, 'utf8')) as RunManifest;
  server = await serveStatic(run.siteDir);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe(`the ${FIGURE} page`, () => {
  let figure: Visit;

  beforeAll(async () => {
    figure = await visit(browser, server.url, `${server.url}figures/${FIGURE}/`, chartSettled);
  });
  afterAll(async () => {
    await figure?.page.close();
  });

  it('is built in the smoke run', () => {
    const record = manifest.figures.find((f) => f.id === FIGURE);
    expect(record?.status, record?.reason).toBe('built');
  });

  it('shows its styles, the static SVG (a relative link) and the drawn interactive chart', async () => {
    expect(await figure.page.locator('#static-figure').getAttribute('src')).toBe('files/figure.svg');
    await expectCompleteFigurePage(figure.page);
  });

  it('carries its spec in the page, as a JSON block equal to the downloadable spec.vl.json', async () => {
    const block = figure.page.locator('script#chart-spec');
    expect(await block.getAttribute('type')).toBe('application/json');
    const inline = JSON.parse((await block.textContent()) ?? '') as unknown;
    const file = JSON.parse(await readFile(join(run.siteDir, 'figures', FIGURE, 'files', 'spec.vl.json'), 'utf8')) as unknown;
    expect(inline).toEqual(file);
    expect(await figure.page.locator('#chart').getAttribute('data-spec')).toBe('chart-spec');
    // the chart's code is one classic script (module scripts do not run on a page opened from disk)
    const scripts = await figure.page.$$eval('script[src]', (els) => els.map((el) => ({ src: el.getAttribute('src'), type: el.getAttribute('type') })));
    expect(scripts).toEqual([{ src: expect.stringMatching(/^\.\.\/\.\.\/_assets\/embed-[\w-]+\.js$/), type: null }]);
  });

  it('says where the figure comes from, and shows its caption and provenance', async () => {
    const page = figure.page;
    expect(await page.locator('[data-provenance="seed"]').count()).toBe(1);
    expect((await page.locator('[data-testid="caption"]').innerText()).trim().length).toBeGreaterThan(40);
    const provenance = await page.locator('[data-testid="provenance"]').innerText();
    expect(provenance).toContain(manifest.id);
    expect(provenance).toContain('smoke');
    const record = manifest.figures.find((f) => f.id === FIGURE)!;
    expect(provenance).toContain(record.figureKey!);
    expect(provenance).toContain(record.renderKey!);
    // the steps behind it reach down to the data
    const steps = await page.locator('[data-testid="steps"] tbody tr').allInnerTexts();
    expect(steps.some((row) => row.includes(`render:${FIGURE}`))).toBe(true);
    expect(steps.some((row) => row.includes(`figure:${FIGURE}`))).toBe(true);
    expect(steps.some((row) => /^data\b/.test(row.trim()))).toBe(true);
  });

  it('loads without console errors, failed requests or requests outside the site', () => {
    expect(figure.problems).toEqual([]);
  });

  it('has download links that all resolve to the run’s files', async () => {
    const links = await figure.page.$$eval('[data-testid="downloads"] a[data-kind]', (anchors) =>
      anchors.map((a) => ({ href: (a as HTMLAnchorElement).href, kind: a.getAttribute('data-kind')!, name: a.querySelector('.name')!.textContent! })),
    );
    const record = manifest.figures.find((f) => f.id === FIGURE)!;
    const expected = Object.keys(record.files!).filter((name) => name !== 'render.json').sort();
    expect(links.map((l) => l.name).sort()).toEqual(expected);
    expect(links.filter((l) => l.kind === 'csv').length).toBeGreaterThan(0);
    const types: Record<string, string> = { spec: 'application/json', svg: 'image/svg+xml', png: 'image/png', csv: 'text/csv' };
    for (const link of links) {
      const response = await fetch(link.href);
      expect(response.status, link.href).toBe(200);
      expect(response.headers.get('content-type') ?? '', link.href).toContain(types[link.kind]!);
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect(bytes.byteLength, link.href).toBeGreaterThan(0);
      // exactly the bytes the run recorded
      expect(sha256(bytes), link.href).toBe(record.files![link.name]);
      const text = new TextDecoder().decode(bytes);
      if (link.kind === 'spec') {
        const spec = JSON.parse(text) as { $schema?: string; datasets?: Record<string, unknown[]> };
        expect(spec.$schema).toMatch(/vega-lite/);
        expect(Object.keys(spec.datasets ?? {}).length).toBeGreaterThan(0);
      }
      if (link.kind === 'svg') expect(text).toMatch(/<svg[\s>]/);
      if (link.kind === 'png') expect([...bytes.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
      if (link.kind === 'csv') expect(text.split('\n')[0]!.length).toBeGreaterThan(0);
    }
  });
});

describe('the home page', () => {
  let home: Visit;

  beforeAll(async () => {
    home = await visit(browser, server.url, server.url);
  });
  afterAll(async () => {
    await home?.page.close();
  });

  it('lists all 45 figures in catalog order, built or marked missing', async () => {
    const cards = await home.page.$$eval('#gallery > li > .card', (els) =>
      els.map((el) => ({
        id: el.getAttribute('data-figure'),
        status: el.getAttribute('data-status'),
        source: el.getAttribute('data-source'),
        text: (el as HTMLElement).innerText,
        images: el.querySelectorAll('img').length,
      })),
    );
    expect(cards).toHaveLength(45);
    expect(cards.map((c) => c.id)).toEqual(Array.from({ length: 45 }, (_, i) => `fig-${String(i + 1).padStart(2, '0')}`));
    for (const card of cards) {
      const record = manifest.figures.find((f) => f.id === card.id)!;
      expect(card.status, card.id!).toBe(record.status);
      if (card.status === 'missing') {
        expect(card.text).toMatch(/not computed yet/i);
        expect(card.images, `${card.id} is missing and must not show an image`).toBe(0);
      } else {
        expect(card.images).toBe(1);
      }
      expect(card.text).toMatch(card.source === 'seed' ? /from the paper's caption/ : /reconstructed/);
    }
    expect(cards.filter((c) => c.source === 'seed').map((c) => c.id)).toEqual(['fig-01', 'fig-02', 'fig-03', 'fig-04', 'fig-05']);
    expect(cards.find((c) => c.id === FIGURE)?.status).toBe('built');
  });

  it('shows the run: profile and a link to the run page', async () => {
    const box = await home.page.locator('.run-box').innerText();
    expect(box).toContain('smoke');
    expect(await home.page.locator(`.run-box a[href="run/index.html"]`).count()).toBe(1);
  });

  it('loads without errors', async () => {
    // lazy thumbnails load as they scroll into view: bring them all in before judging
    await home.page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await home.page.waitForLoadState('networkidle');
    expect(home.problems).toEqual([]);
  });
});

describe('the whole site', () => {
  it('has a page for every figure, section and the run', () => {
    for (let n = 1; n <= 45; n++) {
      expect(existsSync(join(run.siteDir, 'figures', `fig-${String(n).padStart(2, '0')}`, 'index.html'))).toBe(true);
    }
    for (const section of ['basins', 'polynomial', 'sgd', 'bgd', 'flat-minima', 'overparametrization']) {
      expect(existsSync(join(run.siteDir, 'sections', section, 'index.html'))).toBe(true);
    }
    expect(existsSync(join(run.siteDir, 'run', 'index.html'))).toBe(true);
    expect(existsSync(join(run.siteDir, 'runs', manifest.id, 'index.html'))).toBe(true);
  });
});
