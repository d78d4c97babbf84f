// Debian's Chromium driven by playwright-core, shared by the browser tests: launching it, and
// opening a page while recording everything that goes wrong (console errors, failed or refused
// requests, HTTP errors, and any request that leaves the site or the file being tested).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { StaticServer } from './static-server.ts';

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
 * Opens `url` and records everything that went wrong while it loaded. Requests may go only to
 * the same origin (for a file:// page: only to data: and blob: URLs, i.e. nothing outside it).
 */
export async function visitUrl(browser: Browser, url: string, ready?: (page: Page) => Promise<void>): Promise<Visit> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const target = new URL(url);
  const allowed = (request: string): boolean =>
    request.startsWith('data:') || request.startsWith('blob:') || (target.protocol === 'file:' ? request === target.href : request.startsWith(target.origin));
  await page.route('**/*', async (route) => {
    const requested = route.request().url();
    if (allowed(requested)) return route.continue();
    problems.push(`request outside the site: ${requested}`);
    return route.abort();
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

/** Opens a page of the site a static server serves. */
export function visit(browser: Browser, server: StaticServer, path: string, ready?: (page: Page) => Promise<void>): Promise<Visit> {
  return visitUrl(browser, new URL(path, server.url).href, ready);
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
