// One built folder, unchanged, wherever it is put: opened from disk (file://) and served under a
// sub-path of a static server, a figure page shows its styles, its static figure and a drawn
// interactive chart, and never asks for anything outside the folder. (At a domain root:
// site.test.ts.) The site is the smoke run's (tests/setup/smoke-run.ts), built once.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smokeRun, type SmokeRun } from '../setup/smoke-run.ts';
import { chartSettled, expectCompleteFigurePage, launchChromium, visit, type Visit } from './browser.ts';
import { serveStatic, type StaticServer } from './static-server.ts';

const FIGURE = 'fig-03';
const SUB_PATH = '/some/sub/path/';

let run: SmokeRun;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  run = await smokeRun();
  server = await serveStatic(run.siteDir, SUB_PATH);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Clicks a link and waits for the page it leads to. */
async function follow(page: Page, link: Locator): Promise<void> {
  await Promise.all([page.waitForEvent('load'), link.click()]);
}

/** The checks every placement of the folder must pass; `site` is the URL of its root folder. */
function placement(name: string, site: () => string): void {
  describe(name, () => {
    let figure: Visit;

    beforeAll(async () => {
      figure = await visit(browser, site(), `${site()}figures/${FIGURE}/index.html`, chartSettled);
    });
    afterAll(async () => {
      await figure?.page.close();
    });

    it(`shows the ${FIGURE} page with its styles, its static figure and the drawn interactive chart`, async () => {
      await expectCompleteFigurePage(figure.page);
    });

    it('loads without console errors, failed requests or requests outside the folder', () => {
      expect(figure.problems).toEqual([]);
    });

    it('reaches the other pages through the navigation, each a page and not a folder listing', async () => {
      const page = figure.page;
      await follow(page, page.locator('header nav a', { hasText: 'Overview' }));
      expect(page.url()).toBe(`${site()}index.html`);
      expect(await page.locator('#gallery > li > .card').count()).toBe(45);
      // lazy thumbnails load as they scroll into view: bring them all in before leaving the page
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.waitForLoadState('networkidle');
      expect(figure.problems).toEqual([]);
      const origin = page.locator('footer [data-testid="origin"] a');
      const id = await origin.locator('code').first().innerText();
      await follow(page, origin);
      expect(page.url()).toBe(`${site()}runs/${id}/index.html`);
      expect(await page.locator('h1').innerText()).toBe(id);
      expect(figure.problems).toEqual([]);
    });
  });
}

placement('opened from disk (file://)', () => pathToFileURL(join(run.siteDir, '/')).href);
placement(`served under ${SUB_PATH}`, () => server.url);
