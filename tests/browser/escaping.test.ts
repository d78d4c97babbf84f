// The site is safe to publish whatever a run's data holds: a run whose id, caption, notes, claim
// text and settings carry markup (`<script>`, `"><img onerror=...>`, a javascript: link) shows
// all of it as text, runs none of it, and every page's Content-Security-Policy is one the site
// itself passes: no console error (a violation is one), from disk and served, for the pages
// with a drawn chart too. The run is the smoke run's, copied, with its data rewritten.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FigureOutput } from '../../figures/types.ts';
import { Cache, listFiles, type ObjectManifest } from '../../pipeline/cache.ts';
import { withDigest } from '../../pipeline/digest.ts';
import { readRunManifestFile, type RunManifest } from '../../pipeline/runs.ts';
import { runSlug } from '../../src/lib/paths.ts';
import { childEnv, smokeRun } from '../setup/smoke-run.ts';
import { chartSettled, expectCompleteFigurePage, launchChromium, visit } from './browser.ts';
import { serveStatic, type StaticServer } from './static-server.ts';

const SCRIPT = '<script>window.__injected = "script"</script>';
const ATTRIBUTE = '"><img src=x onerror="window.__injected = \'img\'">';
const PAYLOAD = `${SCRIPT} ${ATTRIBUTE}`;
const LINK = '[a link](javascript:window.__injected="link")';
const FIGURE = 'fig-03';

let dir: string;
let siteDir: string;
let manifest: RunManifest;
let server: StaticServer;
let browser: Browser;

/** Rewrites an object's JSON file and seals the object again under the same key. */
async function rewriteObject(cache: Cache, key: string, file: string, change: (value: FigureOutput) => void): Promise<void> {
  const old = JSON.parse(await readFile(join(cache.objectDir(key), 'manifest.json'), 'utf8')) as ObjectManifest;
  const temp = await cache.makeTemp(key);
  for (const name of await listFiles(cache.objectDir(key))) if (name !== 'manifest.json') await cp(join(cache.objectDir(key), name), join(temp, name));
  const value = JSON.parse(await readFile(join(temp, file), 'utf8')) as FigureOutput;
  change(value);
  await writeFile(join(temp, file), JSON.stringify(value));
  await cache.evict(key);
  await cache.commit(temp, old.components, old.seconds);
}

beforeAll(async () => {
  const smoke = await smokeRun();
  dir = await mkdtemp(join(tmpdir(), 'lf-escape-'));
  const cacheDir = join(dir, 'cache');
  await cp(join(smoke.cacheDir, 'objects'), join(cacheDir, 'objects'), { recursive: true });
  const cache = new Cache(cacheDir);
  manifest = await readRunManifestFile(smoke.manifestPath);
  const record = manifest.figures.find((f) => f.id === FIGURE)!;
  await rewriteObject(cache, record.figureKey!, 'figure.json', (output) => {
    output.caption = `Caption ${PAYLOAD} and ${LINK}, in **bold**.\n\n${output.caption}`;
    output.missing = [`A missing panel ${PAYLOAD}`];
  });
  manifest.id = `evil-${PAYLOAD}`;
  manifest.profile.purpose = `purpose ${PAYLOAD}`;
  manifest.git.commit = `commit ${PAYLOAD}`;
  manifest.command = [PAYLOAD];
  (manifest.dataset!.info as Record<string, unknown>)['note'] = PAYLOAD;
  manifest.claims = manifest.claims?.map((c) => ({ ...c, statement: `${c.statement} ${PAYLOAD}`, summary: `${c.summary} ${PAYLOAD}` }));
  await cp(join(smoke.cacheDir, 'runs'), join(cacheDir, 'runs'), { recursive: true });
  await writeFile(join(cacheDir, 'runs', 'evil.json'), JSON.stringify(withDigest(manifest), null, 1));
  siteDir = join(dir, 'site');
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'pipeline/site-cli.mjs', '--run', 'evil', '--cache-dir', cacheDir, '--site-dir', siteDir], { env: childEnv(), maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`the site build failed: ${stdout}${stderr}`)) : resolve(),
    );
  });
  server = await serveStatic(siteDir);
  browser = await launchChromium();
}, 20 * 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a run whose data carries markup', () => {
  it('has no script built from data in any page, and a Content-Security-Policy on every page', async () => {
    const pages = (await listFiles(siteDir)).filter((f) => f.endsWith('.html'));
    expect(pages.length).toBeGreaterThan(50);
    for (const page of pages) {
      const html = await readFile(join(siteDir, page), 'utf8');
      expect(html, page).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self';/);
      // the markup is in the page only as text: escaped in text, and inside quoted attribute values
      // (where only the quote needs escaping), never as a tag
      const outsideAttributes = html.replace(/="[^"]*"/g, (value) => value.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
      const tag = /<script>window\.__injected|<img src=x/.exec(outsideAttributes);
      expect(tag ? outsideAttributes.slice(Math.max(0, tag.index - 200), tag.index + 80) : null, page).toBeNull();
      for (const script of outsideAttributes.match(/<script\b[^>]*>/g) ?? []) expect(script, page).toMatch(/ src="[^"]+\.js"| type="application\/json"/);
    }
    expect(await readdir(join(siteDir, 'runs'))).toEqual([runSlug(manifest.id)]);
  });

  for (const [name, site] of [
    ['opened from disk', () => pathToFileURL(join(siteDir, '/')).href],
    ['served', () => server.url],
  ] as const) {
    it(`shows the markup as text and runs none of it (${name})`, async () => {
      const pages = [`figures/${FIGURE}/index.html`, 'index.html', 'claims/index.html', `runs/${runSlug(manifest.id)}/index.html`, 'sections/sgd/index.html'];
      for (const path of pages) {
        const loaded = await visit(browser, site(), `${site()}${path}`, path.startsWith('figures/') ? chartSettled : undefined);
        const { page, problems } = loaded;
        const state = await page.evaluate(() => ({
          injected: (window as { __injected?: string }).__injected ?? null,
          // Markdown's typography makes straight quotes curly: compare the characters that matter
          text: document.body.innerText.replace(/[\u201c\u201d]/g, '"').replace(/[\u2018\u2019]/g, "'"),
          images: Array.from(document.querySelectorAll('img')).map((img) => img.getAttribute('src')),
          hrefs: Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href') ?? ''),
        }));
        expect(state.injected, path).toBeNull();
        expect(state.images.filter((src) => src === 'x'), path).toEqual([]);
        expect(state.hrefs.filter((h) => /^\s*javascript:/i.test(h)), path).toEqual([]);
        if (path.startsWith('figures/')) {
          expect(state.text).toContain(`Caption ${SCRIPT} ${ATTRIBUTE} and a link, in bold.`);
          expect(state.text).toContain(`A missing panel ${SCRIPT}`);
          await expectCompleteFigurePage(page);
        }
        if (path.startsWith('runs/')) expect(state.text).toContain(`evil-${PAYLOAD}`);
        expect(state.text, path).toContain(`evil-${SCRIPT}`);
        expect(problems, path).toEqual([]);
        await page.close();
      }
    }, 5 * 60_000);
  }
});
