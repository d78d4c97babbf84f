// The post-build pass that makes the built site relocatable: every root-absolute URL in every
// HTML page and stylesheet of the output folder becomes relative to its file (relative-urls.ts),
// whatever page, component or content made it. Pages therefore write internal links as plain
// root-absolute paths (src/lib/paths.ts), and a new page is covered without doing anything.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { listFiles } from '../../pipeline/cache.ts';
import { rewriteCss, rewriteHtml } from './relative-urls.ts';

export interface RelativizeResult {
  /** HTML pages and stylesheets read */
  files: number;
  /** those that had a root-absolute URL and were rewritten */
  rewritten: number;
}

/** Rewrites the HTML pages and stylesheets under `root` in place (temp file + rename each). */
export async function relativizeSite(root: string): Promise<RelativizeResult> {
  const files = await listFiles(root);
  // every folder that holds a file
  const folders = new Set(files.flatMap((file) => file.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  const isFolder = (path: string): boolean => folders.has(path.replace(/\/+$/, ''));
  let read = 0;
  let rewritten = 0;
  for (const file of files) {
    const rewrite = file.endsWith('.html') ? rewriteHtml : file.endsWith('.css') ? rewriteCss : null;
    if (!rewrite) continue;
    read += 1;
    const path = join(root, ...file.split('/'));
    const text = await readFile(path, 'utf8');
    const updated = rewrite(text, file, isFolder);
    if (updated === text) continue;
    await writeFile(`${path}.tmp`, updated);
    await rename(`${path}.tmp`, path);
    rewritten += 1;
  }
  return { files: read, rewritten };
}

/** The pass as an Astro integration: runs on the finished build, before it is published. */
export function relativeLinks(): AstroIntegration {
  return {
    name: 'landscape-relative-links',
    hooks: {
      'astro:build:done': async ({ dir, logger }) => {
        const result = await relativizeSite(fileURLToPath(dir));
        logger.info(`relative links: ${result.rewritten} of ${result.files} pages and stylesheets rewritten`);
      },
    },
  };
}
