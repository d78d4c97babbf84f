// A crawl of a built site folder, page by page, from disk: every reference a page makes (links,
// downloads, images, scripts, stylesheets, icons, and the url()s of its styles and stylesheets),
// resolved the way the browser resolves it, and checked against the folder's files.
//
// A reference passes when it is written relative (a root-absolute one breaks under a sub-path),
// resolves to a file of the folder (not a folder, which opens as a listing from disk, and nothing
// outside), and, with a fragment, names an element of its page. Links out of the site pass as
// plain links only: nothing a page loads may come from elsewhere. The pages are found by walking
// the folder, so every page is crawled, whoever added it.
import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { listFiles } from '../../pipeline/cache.ts';

export type Kind = 'link' | 'download' | 'image' | 'script' | 'stylesheet' | 'icon' | 'head link' | 'embedded' | 'form' | 'css url';

export interface PageFacts {
  /** the page, relative to the folder ('figures/fig-03/index.html') */
  page: string;
  /** the footer's origin line: its text and its link */
  origin: { text: string; href: string | null } | null;
  /** scripts with type="module": they do not run on a page opened from disk */
  moduleScripts: number;
}

export interface CrawlResult {
  pages: PageFacts[];
  /** references checked, by kind (each occurrence) */
  references: Map<Kind, number>;
  /** distinct files of the folder the references resolved to */
  targets: Set<string>;
  /** links out of the site (plain links only) */
  external: number;
  /** fragments checked against the ids of their page */
  fragments: number;
  problems: string[];
}

function kindOf(tag: string, attr: string, rel: string, download: boolean): Kind {
  if (tag === 'a' || tag === 'area') return download ? 'download' : 'link';
  if (tag === 'link') return /\bstylesheet\b/i.test(rel) ? 'stylesheet' : /\bicon\b/i.test(rel) ? 'icon' : 'head link';
  if (tag === 'img' || tag === 'source' || tag === 'image' || tag === 'use' || attr === 'poster') return 'image';
  if (tag === 'script') return 'script';
  if (tag === 'form' || attr === 'formaction') return 'form';
  return 'embedded';
}

/** The url()s and @imports of a stylesheet's text. */
function cssUrls(css: string): string[] {
  const urls = [...css.matchAll(/url\(\s*(["']?)([^"')]*)\1\s*\)/gi)].map((m) => m[2]!);
  const imports = [...css.matchAll(/@import\s+(["'])([^"']*)\1/gi)].map((m) => m[2]!);
  // url(#id) points into the same document (SVG paint servers, filters)
  return [...urls, ...imports].filter((url) => !url.startsWith('#') && !url.startsWith('data:'));
}

export async function crawlSite(browser: Browser, siteDir: string): Promise<CrawlResult> {
  const root = join(resolve(siteDir), '/');
  const result: CrawlResult = { pages: [], references: new Map(), targets: new Set(), external: 0, fragments: 0, problems: [] };
  const ids = new Map<string, Set<string>>();
  const wantedFragments: Array<{ from: string; page: string; id: string }> = [];
  const stylesheets = new Set<string>();

  /** Checks one reference from `base` (the URL of the page or stylesheet that holds it). */
  const check = async (from: string, base: string, kind: Kind, raw: string): Promise<void> => {
    result.references.set(kind, (result.references.get(kind) ?? 0) + 1);
    const where = `${from}: ${kind} "${raw}"`;
    const value = raw.trim();
    if (value === '') return void result.problems.push(`${where} is empty`);
    if (/^\/(?!\/)/.test(value)) return void result.problems.push(`${where} is root-absolute (it breaks under a sub-path)`);
    const url = new URL(value, base);
    if (url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:') {
      if (kind !== 'link') result.problems.push(`${where} loads from outside the site`);
      else result.external += 1;
      return;
    }
    if (url.protocol === 'data:' && kind === 'image') return;
    if (url.protocol !== 'file:') return void result.problems.push(`${where} has an unexpected scheme`);
    const path = fileURLToPath(new URL(url.pathname, 'file:///'));
    if (!path.startsWith(root)) return void result.problems.push(`${where} points outside the built folder`);
    const info = await stat(path).catch(() => null);
    if (!info) return void result.problems.push(`${where} resolves to ${relative(root, path)}, which does not exist`);
    if (!info.isFile()) return void result.problems.push(`${where} resolves to the folder ${relative(root, path)}/ (a listing, from disk), not a file`);
    const target = relative(root, path).split(sep).join('/');
    result.targets.add(target);
    if (kind === 'stylesheet') stylesheets.add(target);
    if (url.hash.length > 1 && target.endsWith('.html')) wantedFragments.push({ from: where, page: target, id: decodeURIComponent(url.hash.slice(1)) });
  };

  const context = await browser.newContext({ javaScriptEnabled: false });
  const tab = await context.newPage();
  try {
    for (const page of (await listFiles(root)).filter((file) => file.endsWith('.html'))) {
      const pageUrl = pathToFileURL(join(root, page)).href;
      await tab.goto(pageUrl, { waitUntil: 'domcontentloaded' });
      const facts = await tab.evaluate(() => {
        const refs: Array<{ tag: string; attr: string; value: string; rel: string; download: boolean }> = [];
        for (const el of Array.from(document.querySelectorAll('*'))) {
          for (const attr of ['href', 'src', 'srcset', 'imagesrcset', 'action', 'formaction', 'poster', 'data', 'xlink:href']) {
            if (attr === 'data' && el.localName !== 'object') continue;
            const value = el.getAttribute(attr);
            if (value === null) continue;
            const values = attr.endsWith('srcset') ? value.split(',').map((c: string) => c.trim().split(/\s+/)[0]!) : [value];
            for (const v of values) refs.push({ tag: el.localName, attr, value: v, rel: el.getAttribute('rel') ?? '', download: el.hasAttribute('download') });
          }
        }
        const origin = document.querySelector('[data-testid="origin"]');
        return {
          refs,
          css: Array.from(document.querySelectorAll('style'), (s) => s.textContent ?? '').concat(Array.from(document.querySelectorAll('[style]'), (e) => e.getAttribute('style') ?? '')),
          ids: Array.from(document.querySelectorAll('[id]'), (e) => e.id).concat(Array.from(document.querySelectorAll('a[name]'), (a) => a.getAttribute('name') ?? '')),
          moduleScripts: document.querySelectorAll('script[type="module"]').length,
          origin: origin ? { text: (origin.textContent ?? '').replace(/\s+/g, ' ').trim(), href: origin.querySelector('a')?.getAttribute('href') ?? null } : null,
        };
      });
      ids.set(page, new Set(facts.ids));
      result.pages.push({ page, origin: facts.origin, moduleScripts: facts.moduleScripts });
      if (facts.moduleScripts > 0) result.problems.push(`${page}: ${facts.moduleScripts} module script(s), which do not run on a page opened from disk`);
      for (const ref of facts.refs) {
        const kind = kindOf(ref.tag, ref.attr, ref.rel, ref.download);
        if (ref.value.startsWith('#')) {
          result.references.set(kind, (result.references.get(kind) ?? 0) + 1);
          wantedFragments.push({ from: `${page}: ${kind} "${ref.value}"`, page, id: decodeURIComponent(ref.value.slice(1)) });
        } else await check(page, pageUrl, kind, ref.value);
      }
      for (const css of facts.css) for (const url of cssUrls(css)) await check(page, pageUrl, 'css url', url);
    }
  } finally {
    await context.close();
  }
  for (const sheet of stylesheets) {
    const path = join(root, sheet);
    for (const url of cssUrls(await readFile(path, 'utf8'))) await check(sheet, pathToFileURL(path).href, 'css url', url);
  }
  for (const wanted of wantedFragments) {
    result.fragments += 1;
    if (wanted.id !== '' && wanted.id !== 'top' && !ids.get(wanted.page)?.has(wanted.id)) result.problems.push(`${wanted.from}: no element with id "${wanted.id}" on ${wanted.page}`);
  }
  return result;
}
