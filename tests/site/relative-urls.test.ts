// The post-build pass that makes the site's URLs relative (src/build/relative-urls.ts,
// src/build/relative-site.ts), and the JSON blocks that carry chart specs (src/lib/inline-json.ts).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relativizeSite } from '../../src/build/relative-site.ts';
import { relativeUrl, rewriteCss, rewriteHtml } from '../../src/build/relative-urls.ts';
import { jsonForScriptBlock } from '../../src/lib/inline-json.ts';

const PAGE = 'figures/fig-03/index.html';

describe('relativeUrl', () => {
  it('makes root-absolute URLs relative to the file that holds them', () => {
    expect(relativeUrl('/figures/fig-03/files/figure.svg', PAGE)).toBe('files/figure.svg');
    expect(relativeUrl('/_assets/site.css', PAGE)).toBe('../../_assets/site.css');
    expect(relativeUrl('/favicon.svg', 'index.html')).toBe('favicon.svg');
    expect(relativeUrl('/_assets/font.woff2', '_assets/site.css')).toBe('font.woff2');
  });

  it('points at the page of a folder, which from disk would open as a listing', () => {
    expect(relativeUrl('/', PAGE)).toBe('../../index.html');
    expect(relativeUrl('/', 'index.html')).toBe('index.html');
    expect(relativeUrl('/figures/fig-03/', PAGE)).toBe('index.html');
    expect(relativeUrl('/figures/fig-04/', PAGE)).toBe('../fig-04/index.html');
    expect(relativeUrl('/run', PAGE, (path) => path === 'run')).toBe('../../run/index.html');
    expect(relativeUrl('/run', PAGE)).toBe('../../run');
  });

  it('keeps the query and the fragment', () => {
    expect(relativeUrl('/sections/sgd/#fig-03', PAGE)).toBe('../../sections/sgd/index.html#fig-03');
    expect(relativeUrl('/figures/fig-03/files/a.csv?v=1#x', PAGE)).toBe('files/a.csv?v=1#x');
  });

  it('leaves every other URL alone', () => {
    for (const url of ['https://arxiv.org/abs/1703.09833', '//example.org/x', '#main', 'files/figure.svg', '../x/', 'data:image/png;base64,AA==', 'mailto:a@b.c', '']) {
      expect(relativeUrl(url, PAGE)).toBe(url);
    }
  });

  it('never lets a first segment with a colon read as a scheme', () => {
    expect(relativeUrl('/figures/fig-03/a:b.svg', PAGE)).toBe('./a:b.svg');
  });
});

describe('rewriteHtml', () => {
  it('rewrites URL attributes, srcset and style, quoted either way or bare', () => {
    const html = `<link rel=stylesheet href=/_assets/a.css><img src='/x.png' srcset="/x.png 1x, /x2.png 2x"><a href="/" class="k" download>home</a><div style="background:url('/bg.png')"></div>`;
    expect(rewriteHtml(html, PAGE)).toBe(
      `<link rel=stylesheet href=../../_assets/a.css><img src='../../x.png' srcset="../../x.png 1x, ../../x2.png 2x"><a href="../../index.html" class="k" download>home</a><div style="background:url('../../bg.png')"></div>`,
    );
  });

  it('rewrites <style> but leaves scripts, JSON blocks, comments and text alone', () => {
    const html = [
      '<style>.a{background:url(/bg.png)}</style>',
      '<script type="application/json" id="s">{"href":"/x","t":"<a href=\\"/y\\">"}</script>',
      '<script src="/_assets/embed.js" defer></script>',
      '<!-- <a href="/z"> -->',
      '<p>write href="/w" in text</p>',
      '<title>a <a href="/t"></title>',
    ].join('');
    expect(rewriteHtml(html, 'index.html')).toBe(
      [
        '<style>.a{background:url(bg.png)}</style>',
        '<script type="application/json" id="s">{"href":"/x","t":"<a href=\\"/y\\">"}</script>',
        '<script src="_assets/embed.js" defer></script>',
        '<!-- <a href="/z"> -->',
        '<p>write href="/w" in text</p>',
        '<title>a <a href="/t"></title>',
      ].join(''),
    );
  });

  it('copies everything that is not a URL byte for byte', () => {
    const html = '<!doctype html>\n<html lang="en"><body class="x"   data-a="/not-a-url" aria-current=page>a < b &amp; c<br/><input disabled></body></html>';
    expect(rewriteHtml(html, PAGE)).toBe(html);
  });
});

describe('rewriteCss', () => {
  it('rewrites url() and @import relative to the stylesheet', () => {
    expect(rewriteCss('@import "/_assets/b.css"; a{b:url(/_assets/f.woff2) url("/i.svg#x") url(#local) url(data:,x)}', '_assets/a.css')).toBe(
      '@import "b.css"; a{b:url(f.woff2) url("../i.svg#x") url(#local) url(data:,x)}',
    );
  });
});

describe('relativizeSite', () => {
  it('rewrites every page and stylesheet of a built folder in place, folders to their index.html', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'landscape-relative-'));
    try {
      await mkdir(join(dir, 'run'), { recursive: true });
      await mkdir(join(dir, '_assets'), { recursive: true });
      await writeFile(join(dir, 'index.html'), '<a href="/run">run</a><link rel="stylesheet" href="/_assets/a.css">');
      await writeFile(join(dir, 'run', 'index.html'), '<a href="/">home</a><a href="https://x.org/">out</a>');
      await writeFile(join(dir, '_assets', 'a.css'), 'a{b:url(/_assets/f.woff2)}');
      await writeFile(join(dir, '_assets', 'f.js'), 'fetch("/x")');
      expect(await relativizeSite(dir)).toEqual({ files: 3, rewritten: 3 });
      expect(await readFile(join(dir, 'index.html'), 'utf8')).toBe('<a href="run/index.html">run</a><link rel="stylesheet" href="_assets/a.css">');
      expect(await readFile(join(dir, 'run', 'index.html'), 'utf8')).toBe('<a href="../index.html">home</a><a href="https://x.org/">out</a>');
      expect(await readFile(join(dir, '_assets', 'a.css'), 'utf8')).toBe('a{b:url(f.woff2)}');
      expect(await readFile(join(dir, '_assets', 'f.js'), 'utf8')).toBe('fetch("/x")');
      // a second pass finds nothing left to do
      expect(await relativizeSite(dir)).toEqual({ files: 3, rewritten: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('jsonForScriptBlock', () => {
  it('cannot close its script block, and parses back to the same value', () => {
    const value = { text: '</script><!-- <b>', n: 1.5, list: ['a<b', '\\<'] };
    const safe = jsonForScriptBlock(JSON.stringify(value));
    expect(safe).not.toMatch(/</);
    expect(JSON.parse(safe)).toEqual(value);
  });

  it('fails on text that is not JSON', () => {
    expect(() => jsonForScriptBlock('{"a":')).toThrow();
  });
});
