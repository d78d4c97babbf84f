// The diff in a real browser: the self-contained HTML report opened from disk, and the site's
// diff page, for a variant run of the smoke profile (--set reluFits.curvePoints=181: the ReLU fits are
// drawn at another resolution, so Figure 39 changes and nothing is retrained).
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript } from '../helpers/cli.ts';
import { smokeRun } from '../setup/smoke-run.ts';
import { launchChromium, loadedImages, visit, type Visit } from './browser.ts';
import { serveStatic, type StaticServer } from './static-server.ts';

const CHANGED = 'fig-39';

async function must(script: string, args: string[], codes = [0]): Promise<void> {
  const result = await runScript(script, args);
  if (!codes.includes(result.code)) throw new Error(`${script} ${args.join(' ')} exited ${result.code}:\n${result.stdout}${result.stderr}`);
}

/** Waits until every overlay has been drawn (or failed), and reports each one's state and marks. */
async function overlays(page: Page): Promise<Array<{ state: string; marks: number }>> {
  await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLElement>('[data-testid="overlay"]')).every((el) => el.dataset.state), null, { timeout: 120_000 });
  return page.$$eval('[data-testid="overlay"]', (els) => els.map((el) => ({ state: (el as HTMLElement).dataset.state ?? '', marks: el.querySelectorAll('.role-mark > *').length })));
}

let dir: string;
let cacheDir: string;
let browser: Browser;
let baseId: string;

beforeAll(async () => {
  const smoke = await smokeRun();
  dir = await mkdtemp(join(tmpdir(), 'landscape-diff-browser-'));
  cacheDir = join(dir, 'cache');
  await cp(smoke.cacheDir, cacheDir, { recursive: true });
  baseId = smoke.manifestPath.split('/').pop()!.replace(/\.json$/, '');
  await must('pipeline/cli.mjs', ['--profile', 'smoke', '--set', 'reluFits.curvePoints=181', '--no-site', '--cache-dir', cacheDir]);
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the HTML report, opened from disk', () => {
  let report: Visit;

  beforeAll(async () => {
    const html = join(dir, 'report.html');
    await must('pipeline/diff-cli.mjs', ['latest~1', 'latest', '--cache-dir', cacheDir, '--html', html], [1]);
    // the report may load nothing but itself (and data: URIs)
    report = await visit(browser, pathToFileURL(html).href, pathToFileURL(html).href);
  }, 300_000);
  afterAll(async () => {
    await report?.page.close();
  });

  it('lists every figure, with the changed one beyond tolerance', async () => {
    const rows = await report.page.$$eval('[data-testid="figures"] tr[data-figure]', (trs) => trs.map((tr) => [tr.getAttribute('data-figure'), (tr as HTMLElement).innerText]));
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(rows.filter(([, text]) => /identical/.test(text!))).toHaveLength(rows.length - 1);
    expect(rows.find(([id]) => id === CHANGED)![1]).toMatch(/data changed\s+beyond/);
    expect(await report.page.locator('[data-testid="settings"]').innerText()).toContain('reluFits.curvePoints');
  });

  it('shows A, B and the pixel diff of the changed figure', async () => {
    const images = await loadedImages(report.page, `#${CHANGED} img`);
    expect(images).toHaveLength(3);
    for (const image of images) {
      expect(image.src).toMatch(/^data:image\/png;base64,/);
      expect(image.width).toBeGreaterThan(100);
    }
  });

  it('draws the overlay chart with both runs’ marks, fetching nothing', async () => {
    const drawn = await overlays(report.page);
    expect(drawn).toEqual([{ state: 'ready', marks: expect.any(Number) }]);
    expect(drawn[0]!.marks).toBeGreaterThan(0);
    const runs = await report.page.evaluate(() => {
      const view = (document.querySelector('[data-testid="overlay"]') as HTMLElement & { vegaView: { data(name: string): Array<Record<string, unknown>> } }).vegaView;
      return [...new Set(view.data('curves').map((row) => row.diff_run))].sort();
    });
    expect(runs).toEqual(['A', 'B']);
    expect(report.problems).toEqual([]);
  });
});

describe('the site’s diff page', () => {
  let server: StaticServer;
  let page: Visit;

  beforeAll(async () => {
    const siteDir = join(dir, 'site');
    await must('pipeline/site-cli.mjs', ['--diff', baseId, '--cache-dir', cacheDir, '--site-dir', siteDir]);
    server = await serveStatic(siteDir);
    page = await visit(browser, server.url, new URL(`diff/${baseId}/`, server.url).href);
  }, 600_000);
  afterAll(async () => {
    await page?.page.close();
    await server?.close();
  });

  it('compares the run shown with the chosen one, linked from the navigation', async () => {
    expect(await page.page.locator('h1').innerText()).toContain(baseId);
    expect(await page.page.locator('[data-testid="conclusion"]').innerText()).toMatch(/\d+ identical, 1 data changed|1 data changed, \d+ identical/);
    expect(await page.page.locator('nav a[aria-current="page"]').innerText()).toBe('Diff');
  });

  it('loads the pictures of A, B and the pixel diff', async () => {
    const images = await loadedImages(page.page, `#${CHANGED} img`);
    expect(images.map((i) => i.src.split('/').pop())).toEqual([`${CHANGED}-a.png`, 'figure.png', `${CHANGED}-highlight.png`]);
    for (const image of images) expect(image.width).toBeGreaterThan(100);
  });

  it('draws the overlay from the data inlined in the page', async () => {
    const drawn = await overlays(page.page);
    expect(drawn).toHaveLength(1);
    expect(drawn[0]).toMatchObject({ state: 'ready' });
    expect(drawn[0]!.marks).toBeGreaterThan(0);
    // the overlay's spec is in the page: nothing but the page, its script chunks and images was requested
    expect(server.log.filter((r) => r.path.endsWith('.json'))).toEqual([]);
    expect(page.problems).toEqual([]);
  });

  it('shows the overrides on the run page, and publishes the run manifest', async () => {
    const run = await visit(browser, server.url, new URL('run/', server.url).href);
    expect(await run.page.locator('[data-testid="overrides"]').innerText()).toContain('reluFits.curvePoints=181');
    expect(await run.page.locator('nav a', { hasText: 'Diff' }).count()).toBe(1);
    expect(run.problems).toEqual([]);
    await run.page.close();
    const manifest = (await (await fetch(new URL('run/manifest.json', server.url))).json()) as { overrides: unknown; figures: Array<{ id: string; files?: Record<string, string> }> };
    expect(manifest.overrides).toEqual({ 'reluFits.curvePoints': 181 });
    expect(Object.keys(manifest.figures.find((f) => f.id === CHANGED)!.files!)).toContain('figure.png');
  });
});
