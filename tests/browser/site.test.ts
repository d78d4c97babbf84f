// The built site in a real browser (Debian's Chromium, driven by playwright-core), served from a
// local static server. The site comes from one real pipeline run on the smoke profile
// (tests/setup/smoke-run.ts), so what is checked is what `npm run figures` publishes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '../../pipeline/runs.ts';
import { childEnv, smokeRun, type SmokeRun } from '../setup/smoke-run.ts';
import { serveStatic, type StaticServer } from './static-server.ts';
import { launchChromium, visit, type Visit } from './browser.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIGURE = 'fig-03';

/** Every same-site link and resource of every page (href and src attributes), as absolute paths. */
async function internalLinks(siteDir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.html')) {
        const html = await readFile(path, 'utf8');
        for (const match of html.matchAll(/\s(?:href|src)="([^"]+)"/g)) {
          const link = match[1]!.replace(/&amp;/g, '&');
          if (/^[a-z]+:/i.test(link) || link.startsWith('#')) continue;
          if (!found.has(link)) found.set(link, path.slice(siteDir.length));
        }
      }
    }
  };
  await walk(siteDir);
  return found;
}

async function checkLinks(server: StaticServer, siteDir: string, base: string): Promise<string[]> {
  const broken: string[] = [];
  const origin = new URL(server.url).origin;
  for (const [link, page] of await internalLinks(siteDir)) {
    if (!link.startsWith(base)) {
      broken.push(`${page}: ${link} is not under the base path ${base}`);
      continue;
    }
    const response = await fetch(origin + link.split('#')[0], { method: 'HEAD', redirect: 'manual' });
    if (response.status !== 200) broken.push(`${page}: ${link} -> HTTP ${response.status}`);
  }
  return broken;
}

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
    figure = await visit(browser, server, `figures/${FIGURE}/`, async (page) => {
      await page.waitForSelector('#chart[data-state]', { timeout: 60_000 });
    });
  });
  afterAll(async () => {
    await figure?.page.close();
  });

  it('is built in the smoke run', () => {
    const record = manifest.figures.find((f) => f.id === FIGURE);
    expect(record?.status, record?.reason).toBe('built');
  });

  it('shows the static SVG', async () => {
    const img = figure.page.locator('#static-figure');
    await expect.poll(() => img.isVisible()).toBe(true);
    expect(await img.getAttribute('src')).toMatch(/\/figures\/fig-03\/files\/figure\.svg$/);
    const size = await img.evaluate((el: HTMLImageElement) => ({ complete: el.complete, width: el.naturalWidth, height: el.naturalHeight }));
    expect(size.complete).toBe(true);
    expect(size.width).toBeGreaterThan(50);
    expect(size.height).toBeGreaterThan(50);
  });

  it('renders the interactive vega-embed chart, with marks', async () => {
    const chart = figure.page.locator('#chart');
    expect(await chart.getAttribute('data-state')).toBe('ready');
    const drawn = await chart.evaluate((el) => {
      const svg = el.querySelector('svg');
      const canvas = el.querySelector('canvas');
      return {
        svg: svg ? { width: svg.getBoundingClientRect().width, marks: svg.querySelectorAll('.role-mark > *').length } : null,
        canvas: canvas ? { width: canvas.width, height: canvas.height } : null,
      };
    });
    if (drawn.svg) {
      expect(drawn.svg.width).toBeGreaterThan(50);
      expect(drawn.svg.marks).toBeGreaterThan(0);
    } else {
      expect(drawn.canvas?.width ?? 0).toBeGreaterThan(50);
    }
    expect(await chart.isVisible()).toBe(true);
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
    home = await visit(browser, server, '');
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
    expect(await home.page.locator(`.run-box a[href$="/run/"]`).count()).toBe(1);
  });

  it('loads without errors', async () => {
    // lazy thumbnails load as they scroll into view: bring them all in before judging
    await home.page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await home.page.waitForLoadState('networkidle');
    expect(home.problems).toEqual([]);
  });
});

describe('the whole site', () => {
  it('has no broken internal links', async () => {
    expect(await checkLinks(server, run.siteDir, '/')).toEqual([]);
  });

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

  it('works when published under a sub-path', async () => {
    const base = '/landscape/';
    const siteDir = await mkdtemp(join(tmpdir(), 'landscape-site-base-'));
    try {
      const env = childEnv({
        LANDSCAPE_RUN_MANIFEST: run.manifestPath,
        LANDSCAPE_CACHE_DIR: run.cacheDir,
        LANDSCAPE_SITE_DIR: siteDir,
        LANDSCAPE_SITE_BASE: base,
      });
      await new Promise<void>((resolvePromise, reject) => {
        execFile(join(repoRoot, 'node_modules', '.bin', 'astro'), ['build'], { cwd: repoRoot, env, timeout: 300_000, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) =>
          error ? reject(new Error(`astro build failed: ${stderr || stdout}`)) : resolvePromise(),
        );
      });
      const sub = await serveStatic(siteDir, base);
      try {
        expect(await checkLinks(sub, siteDir, base)).toEqual([]);
        const page = await visit(browser, sub, `figures/${FIGURE}/`, async (p) => {
          await p.waitForSelector('#chart[data-state]', { timeout: 60_000 });
        });
        expect(await page.page.locator('#chart').getAttribute('data-state')).toBe('ready');
        expect(page.problems).toEqual([]);
        await page.page.close();
      } finally {
        await sub.close();
      }
    } finally {
      await rm(siteDir, { recursive: true, force: true });
    }
  }, 300_000);
});
