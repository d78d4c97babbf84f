// The Content-Security-Policy of every page, as a <meta> tag (the site is static and may be opened
// from disk, so there are no response headers to carry it). It allows what the site really
// loads and nothing else:
//  - scripts: only files of the site itself (the bundled classic scripts); no inline script, no
//    eval (the chart is drawn with Vega's expression interpreter, not with generated code);
//  - styles: the site's stylesheets, plus exactly the two <style> elements the chart libraries
//    insert at run time (vega-embed's and vega-tooltip's), allowed by the hash of their text;
//  - images: the site's files, and data:/blob: URLs for the chart's SVG and PNG exports;
//  - nothing may be fetched, framed, embedded, or posted anywhere, and <base> cannot be changed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createDefaultStyle, DEFAULT_OPTIONS } from 'vega-tooltip';

const require = createRequire(import.meta.url);

/** The text of the <style> vega-embed inserts: the template literal of its src/style.ts. */
function vegaEmbedStyle(): string {
  // the package's entry is build/embed.js; its stylesheet's source sits beside it in src/
  const source = readFileSync(join(dirname(require.resolve('vega-embed')), '..', 'src', 'style.ts'), 'utf8');
  const start = source.indexOf('`');
  const end = source.lastIndexOf('`');
  if (start < 0 || end <= start) throw new Error("cannot find vega-embed's stylesheet in its src/style.ts");
  return source.slice(start + 1, end);
}

function hashSource(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function build(): string {
  const styles = [vegaEmbedStyle(), createDefaultStyle(DEFAULT_OPTIONS.id)].map(hashSource);
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' ${styles.join(' ')}`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The policy, computed once per build. */
export const CONTENT_SECURITY_POLICY = build();
