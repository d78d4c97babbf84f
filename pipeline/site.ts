// Builds the static site (Astro) from a run manifest: one folder that works wherever it is put
// (every internal URL relative), so nothing about where it is published is part of the build.
// The build is skipped when nothing it shows has changed: its key covers the site's own sources,
// the figures' keys and file hashes, and the profile; the key of the last build is kept in the
// output folder.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { $ } from 'zx';
import { canonicalJson, listFiles, sha256, sha256File, type Cache } from './cache.ts';
import type { RunManifest } from './runs.ts';
import { BUNDLE_FILE } from './diff/write.ts';

/** What the site is made of, besides the run it shows. */
const SITE_SOURCES = ['astro.config.mjs', 'src', 'content', 'public', 'figures/catalog.ts'];
const STAMP = '.site-key';

export interface SiteOptions {
  repoRoot: string;
  cache: Cache;
  manifest: RunManifest;
  manifestPath: string;
  outDir: string;
  force?: boolean;
  /** a diff bundle (pipeline/diff/write.ts) for the site's diff page; none: no diff page */
  diffDir?: string;
}

export interface SiteResult {
  status: 'built' | 'reused';
  seconds: number;
  dir: string;
}

async function siteKey(options: SiteOptions): Promise<string> {
  const sources: Record<string, string> = {};
  for (const entry of SITE_SOURCES) {
    const path = join(options.repoRoot, entry);
    const files = entry.includes('.') ? [''] : await listFiles(path).catch(() => []);
    for (const file of files) {
      const full = file ? join(path, file) : path;
      sources[file ? `${entry}/${file}` : entry] = await sha256File(full).catch(() => 'absent');
    }
  }
  const { manifest } = options;
  return sha256(
    canonicalJson({
      sources,
      profile: manifest.profile.name,
      overrides: manifest.overrides ?? {},
      diff: options.diffDir ? await sha256File(join(options.diffDir, BUNDLE_FILE)) : null,
      figures: manifest.figures,
      dataset: manifest.dataset?.key ?? null,
      engine: manifest.engine ? [manifest.engine.backend, manifest.engine.provider, manifest.engine.tfjs] : null,
    }),
  );
}

export async function buildSite(options: SiteOptions): Promise<SiteResult> {
  const started = performance.now();
  const outDir = resolve(options.outDir);
  const key = await siteKey(options);
  const previous = await readFile(join(outDir, STAMP), 'utf8').catch(() => null);
  if (!options.force && previous?.trim() === key) {
    return { status: 'reused', seconds: (performance.now() - started) / 1000, dir: outDir };
  }
  await rm(join(outDir, STAMP), { force: true });
  const env = {
    ...process.env,
    LANDSCAPE_RUN_MANIFEST: resolve(options.manifestPath),
    LANDSCAPE_CACHE_DIR: options.cache.root,
    LANDSCAPE_SITE_DIR: outDir,
    LANDSCAPE_DIFF_DIR: options.diffDir ? resolve(options.diffDir) : '',
    ASTRO_TELEMETRY_DISABLED: '1',
  };
  const astro = join(options.repoRoot, 'node_modules', '.bin', 'astro');
  const result = await $({ cwd: options.repoRoot, env, nothrow: true, quiet: true })`${astro} build`;
  if (result.exitCode !== 0) {
    const tail = (result.stderr + result.stdout).trim().split('\n').slice(-15).join('\n');
    throw new Error(`astro build failed (exit ${result.exitCode}):\n${tail}`);
  }
  // the stamp is written last: an interrupted build is never mistaken for a finished one
  await writeFile(join(outDir, STAMP), key + '\n');
  return { status: 'built', seconds: (performance.now() - started) / 1000, dir: outDir };
}
