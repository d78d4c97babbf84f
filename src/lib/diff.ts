// The comparison the site shows, when it was built with `npm run site -- --diff <run>`: the bundle
// written by pipeline/diff/write.ts into the folder named by LANDSCAPE_DIFF_DIR (diff.json, with
// each changed figure's overlay spec, and the PNGs of run A and of the pixel diffs). Without that
// variable the site has no diff page.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BUNDLE_FILE, type BundleFigure, type SiteBundle } from '../../pipeline/diff/write.ts';

export type { BundleFigure, SiteBundle };

export interface SiteDiff {
  bundle: SiteBundle;
  /** the folder the bundle is in (read at build time only) */
  dir: string;
}

async function load(): Promise<SiteDiff | null> {
  const named = process.env.LANDSCAPE_DIFF_DIR?.trim();
  if (!named) return null;
  const dir = resolve(named);
  try {
    return { bundle: JSON.parse(await readFile(join(dir, BUNDLE_FILE), 'utf8')) as SiteBundle, dir };
  } catch (error) {
    // asked for by name and unreadable: an error, not a site without its diff
    throw new Error(`cannot read the diff bundle in ${dir}: ${(error as Error).message}`);
  }
}

let cached: Promise<SiteDiff | null> | null = null;

/** The diff this build shows, read once per build; null when the site has none. */
export function loadDiff(): Promise<SiteDiff | null> {
  cached ??= load();
  return cached;
}
