// Root-absolute URLs (`/figures/fig-03/`) rewritten as URLs relative to the file that holds them
// (`../../figures/fig-03/index.html` from `sections/sgd/index.html`), so that one built folder
// works opened from disk, at a domain root and under any sub-path.
//
// Invariant: a rewritten URL names a file, never a folder (a folder becomes its index.html),
// because a browser showing a site from disk opens a folder as a listing, not as its index.html.
// Only the path changes: the query and the fragment are kept as they were. URLs with a scheme
// (`https:`, `data:`), protocol-relative ones (`//host/`), fragments (`#main`) and URLs that are
// already relative are left alone.
import { posix } from 'node:path';

/** Whether `path` (a site path without the leading slash, e.g. `figures/fig-03`) is a folder. */
export type IsFolder = (path: string) => boolean;

/** HTML attributes whose value is one URL. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'poster', 'cite', 'data', 'background', 'xlink:href', 'longdesc', 'manifest']);
/** Elements whose content is raw text, not markup: nothing in them is an attribute. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);

function isRootAbsolute(url: string): boolean {
  return url.startsWith('/') && !url.startsWith('//');
}

/**
 * `url` as seen from the file `from` (a path inside the site, e.g. `figures/fig-03/index.html`):
 * root-absolute URLs become relative, everything else is returned unchanged.
 */
export function relativeUrl(url: string, from: string, isFolder: IsFolder = () => false): string {
  const trimmed = url.trim();
  if (!isRootAbsolute(trimmed)) return url;
  const cut = trimmed.search(/[?#]/);
  const path = cut < 0 ? trimmed : trimmed.slice(0, cut);
  const rest = cut < 0 ? '' : trimmed.slice(cut);
  let target = path.replace(/^\/+/, '');
  if (target === '' || target.endsWith('/')) target += 'index.html';
  else if (isFolder(target)) target += '/index.html';
  const relative = posix.relative(posix.dirname(`/${from}`), `/${target}`);
  // a first segment with a colon would read as a scheme
  const safe = relative.split('/')[0]!.includes(':') ? `./${relative}` : relative;
  return safe + rest;
}

/** `url(...)` and `@import "..."` in a stylesheet, relative to the stylesheet (or page) at `from`. */
export function rewriteCss(css: string, from: string, isFolder?: IsFolder): string {
  return css
    .replace(/(url\(\s*)(["']?)([^"')]*)\2(\s*\))/gi, (_, open: string, quote: string, url: string, close: string) => `${open}${quote}${relativeUrl(url, from, isFolder)}${quote}${close}`)
    .replace(/(@import\s+)(["'])([^"']*)\2/gi, (_, lead: string, quote: string, url: string) => `${lead}${quote}${relativeUrl(url, from, isFolder)}${quote}`);
}

/** A `srcset` value: comma-separated candidates, each a URL and an optional descriptor. */
function rewriteSrcset(value: string, from: string, isFolder?: IsFolder): string {
  return value
    .split(',')
    .map((candidate) => candidate.replace(/^(\s*)(\S+)/, (_, space: string, url: string) => space + relativeUrl(url, from, isFolder)))
    .join(',');
}

function rewriteAttribute(name: string, value: string, from: string, isFolder?: IsFolder): string {
  if (URL_ATTRIBUTES.has(name)) return relativeUrl(value, from, isFolder);
  if (name === 'srcset' || name === 'imagesrcset') return rewriteSrcset(value, from, isFolder);
  if (name === 'style') return rewriteCss(value, from, isFolder);
  return value;
}

const TAG_NAME = /<([a-zA-Z][^\s/>]*)/y;
const TAG_END = /\s*\/?>/y;
// one attribute: a name, then optionally = and a double-quoted, single-quoted or bare value
const ATTRIBUTE = /(\s*)([^\s"'<>/=]+)(?:(\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/y;

/**
 * Rewrites the start tag at `start` (`<name ...>`): returns its new text, its lower-case name and
 * where it ends, or null when what follows `<` is not a start tag.
 */
function rewriteStartTag(html: string, start: number, from: string, isFolder?: IsFolder): { text: string; name: string; end: number } | null {
  TAG_NAME.lastIndex = start;
  const tag = TAG_NAME.exec(html);
  if (!tag) return null;
  let text = tag[0];
  let at = TAG_NAME.lastIndex;
  while (at < html.length) {
    TAG_END.lastIndex = at;
    const close = TAG_END.exec(html);
    if (close) return { text: text + close[0], name: tag[1]!.toLowerCase(), end: TAG_END.lastIndex };
    ATTRIBUTE.lastIndex = at;
    const attribute = ATTRIBUTE.exec(html);
    if (!attribute || ATTRIBUTE.lastIndex === at) {
      // a stray character (a lone slash, say): keep it as it is
      text += html[at];
      at += 1;
      continue;
    }
    const [whole, space, name, equals, double, single, bare] = attribute;
    const value = double ?? single ?? bare;
    if (value === undefined) text += whole;
    else {
      const quote = double !== undefined ? '"' : single !== undefined ? "'" : '';
      text += `${space}${name}${equals}${quote}${rewriteAttribute(name!.toLowerCase(), value, from, isFolder)}${quote}`;
    }
    at = ATTRIBUTE.lastIndex;
  }
  return { text, name: tag[1]!.toLowerCase(), end: html.length };
}

/**
 * Every URL of an HTML page (`from`: its path inside the site): URL attributes, `srcset`, `style`
 * attributes and `<style>` elements. Comments and the content of scripts (JSON blocks among
 * them) and other raw-text elements are copied as they are.
 */
export function rewriteHtml(html: string, from: string, isFolder?: IsFolder): string {
  let out = '';
  let at = 0;
  while (at < html.length) {
    const open = html.indexOf('<', at);
    if (open < 0) break;
    out += html.slice(at, open);
    if (html.startsWith('<!--', open)) {
      const end = html.indexOf('-->', open + 4);
      const stop = end < 0 ? html.length : end + 3;
      out += html.slice(open, stop);
      at = stop;
      continue;
    }
    const tag = rewriteStartTag(html, open, from, isFolder);
    if (!tag) {
      out += '<';
      at = open + 1;
      continue;
    }
    out += tag.text;
    at = tag.end;
    if (RAW_TEXT.has(tag.name)) {
      const closing = new RegExp(`</${tag.name}[\\s>/]`, 'gi');
      closing.lastIndex = at;
      const found = closing.exec(html);
      const stop = found ? found.index : html.length;
      const content = html.slice(at, stop);
      out += tag.name === 'style' ? rewriteCss(content, from, isFolder) : content;
      at = stop;
    }
  }
  return out + html.slice(at);
}
