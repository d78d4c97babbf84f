// What the browser tests share: Debian's Chromium driven by playwright-core (never a downloaded
// browser), a page visit that records everything that went wrong while the page loaded, and the
// check that a figure page is complete (styles, static figure, interactive chart).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The browser may still be being installed when the tests start: wait for it, within reason. */
async function waitForChromium(timeoutMs = 5 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(CHROMIUM)) {
    if (Date.now() > deadline) throw new Error(`${CHROMIUM} is not installed (waited ${timeoutMs / 1000} s)`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

export async function launchChromium(): Promise<Browser> {
  await waitForChromium();
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface Visit {
  page: Page;
  /** console errors, page errors, failed requests, HTTP errors, requests that left the site */
  problems: string[];
}

/**
 * Opens `url` and records everything that went wrong while it loaded. `site` is the URL of the
 * site's root folder (http:// or file://, with a trailing slash): any request that is not under it
 * (nor data: or blob:) is a problem, and one over the network is not even made.
 */
export async function visit(browser: Browser, site: string, url: string, ready?: (page: Page) => Promise<void>): Promise<Visit> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const inside = (target: string): boolean => target.startsWith(site) || target.startsWith('data:') || target.startsWith('blob:');
  await page.route(/^https?:/, (route) => (inside(route.request().url()) ? route.continue() : route.abort()));
  page.on('request', (request) => {
    if (!inside(request.url())) problems.push(`request outside the site: ${request.url()}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? '?'})`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  if (ready) await ready(page);
  await page.waitForLoadState('networkidle');
  return { page, problems };
}

/** Waits until the interactive chart of a figure page has been drawn or has failed. */
export async function chartSettled(page: Page): Promise<void> {
  await page.waitForSelector('#chart[data-state]', { timeout: 60_000 });
}

/** What a figure page shows once loaded: its styles, its static figure and its interactive chart. */
export async function figurePageState(page: Page) {
  return page.evaluate(() => {
    const root = getComputedStyle(document.documentElement);
    const img = document.querySelector<HTMLImageElement>('#static-figure');
    const chart = document.querySelector<HTMLElement>('#chart');
    const svg = chart?.querySelector('svg');
    const canvas = chart?.querySelector('canvas');
    return {
      // values only the site's stylesheet sets
      accent: root.getPropertyValue('--accent').trim(),
      bodyMargin: getComputedStyle(document.body).marginTop,
      staticFigure: img ? { complete: img.complete, width: img.naturalWidth, height: img.naturalHeight } : null,
      chart: chart
        ? {
            state: chart.dataset.state ?? null,
            visible: chart.getBoundingClientRect().width > 0,
            svg: svg ? { width: svg.getBoundingClientRect().width, marks: svg.querySelectorAll('.role-mark > *').length } : null,
            canvas: canvas ? { width: canvas.width, height: canvas.height } : null,
          }
        : null,
    };
  });
}

/** A figure page shows its styles, its static SVG and a drawn interactive chart, with marks. */
export async function expectCompleteFigurePage(page: Page): Promise<void> {
  const state = await figurePageState(page);
  expect(state.accent, 'the site stylesheet is applied').toBe('#1d4e89');
  expect(state.bodyMargin, 'the site stylesheet is applied').toBe('0px');
  expect(state.staticFigure?.complete, 'the static figure loaded').toBe(true);
  expect(state.staticFigure?.width ?? 0).toBeGreaterThan(50);
  expect(state.staticFigure?.height ?? 0).toBeGreaterThan(50);
  expect(state.chart?.state, 'the interactive chart was drawn').toBe('ready');
  expect(state.chart?.visible).toBe(true);
  if (state.chart?.svg) {
    expect(state.chart.svg.width).toBeGreaterThan(50);
    expect(state.chart.svg.marks).toBeGreaterThan(0);
  } else {
    expect(state.chart?.canvas?.width ?? 0).toBeGreaterThan(50);
  }
}

/**
 * Scrolls the whole page into view step by step (lazy images load only near the viewport) and
 * returns the natural size of every image matching `selector`.
 */
export async function loadedImages(page: Page, selector: string): Promise<Array<{ src: string; width: number; height: number }>> {
  const height = await page.evaluate(() => document.body.scrollHeight);
  for (let y = 0; y <= height; y += 600) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
    await page.waitForTimeout(30);
  }
  await page.waitForLoadState('networkidle');
  await page.waitForFunction((s) => Array.from(document.querySelectorAll<HTMLImageElement>(s)).every((img) => img.complete), selector);
  // data: URIs are cut to their start: they hold the whole image
  return page.$$eval(selector, (images) =>
    images.map((img) => {
      const { src, naturalWidth: width, naturalHeight: height } = img as HTMLImageElement;
      return { src: src.startsWith('data:') ? src.slice(0, 40) : src, width, height };
    }),
  );
}
