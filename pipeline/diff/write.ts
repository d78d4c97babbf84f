// Writes a diff's reports to files (each through a temporary file renamed when complete), and
// the bundle the site's diff page is built from.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { htmlReport } from './report-html.ts';
import { markdownReport } from './report-markdown.ts';
import type { FigureDiff, RunDiff } from './types.ts';

async function writeAtomic(path: string, content: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content);
  await rename(temp, path);
}

/** The diff as plain JSON: the pictures and overlays are left out (they are in the HTML). */
export function diffJson(diff: RunDiff): string {
  return JSON.stringify({ ...diff, figures: diff.figures.map(({ visual: _visual, ...f }) => f) }, null, 1) + '\n';
}

export interface ReportFiles {
  markdown?: string;
  html?: string;
  json?: string;
  repoRoot: string;
}

/** Writes the reports asked for; returns the paths written. */
export async function writeReports(diff: RunDiff, files: ReportFiles): Promise<string[]> {
  const written: string[] = [];
  if (files.markdown) {
    await writeAtomic(resolve(files.markdown), markdownReport(diff));
    written.push(resolve(files.markdown));
  }
  if (files.json) {
    await writeAtomic(resolve(files.json), diffJson(diff));
    written.push(resolve(files.json));
  }
  if (files.html) {
    await writeAtomic(resolve(files.html), await htmlReport(diff, { repoRoot: files.repoRoot }));
    written.push(resolve(files.html));
  }
  return written;
}

/** The file names of a changed figure's pictures in a site bundle. */
export function bundleImage(figure: string, which: 'a' | 'highlight'): string {
  return `${figure}-${which}.png`;
}

export const BUNDLE_FILE = 'diff.json';

/** A figure as the site's diff page reads it: its pictures are files of the bundle. */
export interface BundleFigure extends Omit<FigureDiff, 'visual'> {
  /** file names in the bundle: A's picture and the highlight (B's is the site's own figure.png) */
  images: { a?: string; highlight?: string };
  overlay: unknown;
  overlayNote: string | null;
}

export interface SiteBundle extends Omit<RunDiff, 'figures'> {
  figures: BundleFigure[];
}

/**
 * The site's diff page reads a bundle: diff.json (with each changed figure's overlay spec) and
 * A's pictures and the highlights as PNG files beside it. B is the run the site shows, so its
 * pictures are already on the site. The folder is replaced as a whole.
 */
export async function writeSiteBundle(diff: RunDiff, dir: string): Promise<void> {
  const temp = `${dir}.${process.pid}.tmp`;
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp, { recursive: true });
  const figures: BundleFigure[] = [];
  for (const { visual, ...figure } of diff.figures) {
    const images: BundleFigure['images'] = {};
    for (const which of ['a', 'highlight'] as const) {
      const png = visual?.[which];
      if (!png) continue;
      const name = bundleImage(figure.id, which);
      images[which] = name;
      await writeFile(join(temp, name), png);
    }
    figures.push({ ...figure, images, overlay: visual?.overlay ?? null, overlayNote: visual?.overlayNote ?? null });
  }
  const bundle: SiteBundle = { ...diff, figures };
  await writeFile(join(temp, BUNDLE_FILE), JSON.stringify(bundle) + '\n');
  await rm(dir, { recursive: true, force: true });
  await rename(temp, dir);
}
