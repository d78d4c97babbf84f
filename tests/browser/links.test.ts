// Every page of the built smoke site (tests/setup/smoke-run.ts), crawled from disk in Chromium
// (tests/browser/crawl.ts): no link, download, image, script, stylesheet or icon that does not
// resolve to a file of the built folder, and on every page a footer that says where it came from.
// The pages are found by walking the folder, so pages added later are covered without a change.
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '../../pipeline/runs.ts';
import { smokeRun } from '../setup/smoke-run.ts';
import { launchChromium } from './browser.ts';
import { crawlSite, type CrawlResult } from './crawl.ts';

let manifest: RunManifest;
let browser: Browser;
let crawl: CrawlResult;

beforeAll(async () => {
  const run = await smokeRun();
  manifest = JSON.parse(await readFile(run.manifestPath, 'utf8')) as RunManifest;
  browser = await launchChromium();
  crawl = await crawlSite(browser, run.siteDir);
  const sections = new Map<string, number>();
  for (const { page } of crawl.pages) {
    const section = page.includes('/') ? `${page.split('/')[0]}/` : page;
    sections.set(section, (sections.get(section) ?? 0) + 1);
  }
  console.log(
    [
      `crawled ${crawl.pages.length} pages (${[...sections].map(([s, n]) => `${s} ${n}`).join(', ')})`,
      `references checked: ${[...crawl.references].map(([kind, n]) => `${kind} ${n}`).join(', ')}`,
      `${crawl.targets.size} distinct files of the folder reached; ${crawl.fragments} fragments checked; ${crawl.external} links out of the site`,
    ].join('\n'),
  );
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

describe('every page of the built site', () => {
  it('is crawled: the home page, the run, and every figure and section page', () => {
    const pages = crawl.pages.map((p) => p.page);
    expect(pages).toContain('index.html');
    expect(pages).toContain('run/index.html');
    expect(pages).toContain(`runs/${manifest.id}/index.html`);
    expect(pages.filter((p) => /^figures\/fig-\d\d\/index\.html$/.test(p))).toHaveLength(45);
    expect(pages.filter((p) => /^sections\/[^/]+\/index\.html$/.test(p)).length).toBeGreaterThanOrEqual(6);
  });

  it('has every kind of reference the site uses (the crawl is not vacuous)', () => {
    for (const kind of ['link', 'download', 'image', 'script', 'stylesheet', 'icon'] as const) {
      expect(crawl.references.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }
  });

  it('has no link, download, image, script, stylesheet or icon that does not resolve to a file of the built folder', () => {
    expect(crawl.problems).toEqual([]);
  });

  it('says in its footer which run, profile and commit it came from, linked to the run’s page', () => {
    const commit = manifest.git.commit ? manifest.git.commit.slice(0, 10) : 'unknown';
    for (const page of crawl.pages) {
      expect(page.origin, page.page).not.toBeNull();
      expect(page.origin!.text, page.page).toContain(`run ${manifest.id}`);
      expect(page.origin!.text, page.page).toContain(`profile ${manifest.profile.name}`);
      expect(page.origin!.text, page.page).toContain(`commit ${commit}`);
      const target = posix.normalize(posix.join(posix.dirname(page.page), page.origin!.href ?? ''));
      expect(target, page.page).toBe(`runs/${manifest.id}/index.html`);
    }
  });
});
