// The reproducibility site: static, built offline from one run manifest (see src/lib/run.ts).
//
//   LANDSCAPE_RUN_MANIFEST  the run manifest to show (default: the newest successful run in the cache)
//   LANDSCAPE_CACHE_DIR     the cache root (default: the cache that holds the manifest, else ./cache)
//   LANDSCAPE_SITE_DIR      where the site is written (default: dist)
//
// The built folder works wherever it is put (opened from disk, at a domain root, under any
// sub-path): every internal URL is made relative after the build (src/build/relative-site.ts), and
// client code is loaded as classic scripts (src/build/client-scripts.ts), which browsers run on
// pages opened from disk, unlike module scripts.
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, isAbsolute } from 'node:path';
import { defineConfig } from 'astro/config';
import { clientScripts } from './src/build/client-scripts.ts';
import { relativeLinks } from './src/build/relative-site.ts';

// nothing in a build may reach the network
process.env.ASTRO_TELEMETRY_DISABLED = '1';
// Vite's own import.meta.env names, when inherited from a parent process (a test runner sets them),
// would override the build's own
for (const name of ['BASE_URL', 'MODE', 'DEV', 'PROD', 'SSR']) delete process.env[name];

const siteDir = resolve(process.env.LANDSCAPE_SITE_DIR?.trim() || 'dist');
const tag = createHash('sha256').update(siteDir).digest('hex').slice(0, 16);
const inside = (dir) => {
  const rel = relative(process.cwd(), dir);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

// Astro stages a build whose output folder lies outside the working directory in ./.astro, the
// same folder its content layer uses, so two such builds at once (tests, a local build) would
// overwrite each other and leave content-layer files in the site. Such a build is therefore
// written to its own staging folder inside the project and moved to LANDSCAPE_SITE_DIR at the end.
const staged = !inside(siteDir);
const outDir = staged ? join('node_modules', '.astro', `site-${tag}`) : siteDir;

/** Moves the finished site from the staging folder to LANDSCAPE_SITE_DIR (only when staged). */
function publish() {
  return {
    name: 'landscape-publish',
    hooks: {
      'astro:build:done': async ({ logger }) => {
        if (!staged) return;
        await mkdir(siteDir, { recursive: true });
        for (const entry of await readdir(siteDir)) {
          if (entry !== '.git') await rm(join(siteDir, entry), { recursive: true, force: true });
        }
        await cp(resolve(outDir), siteDir, { recursive: true });
        await rm(resolve(outDir), { recursive: true, force: true });
        logger.info(`site written to ${siteDir}`);
      },
    },
  };
}

export default defineConfig({
  output: 'static',
  outDir,
  // builds into different folders keep separate build caches (the content store among them)
  cacheDir: staged ? join(tmpdir(), 'landscape-astro-cache', tag) : './node_modules/.astro',
  trailingSlash: 'ignore',
  build: { format: 'directory', assets: '_assets' },
  devToolbar: { enabled: false },
  prefetch: false,
  markdown: { syntaxHighlight: false, smartypants: true, gfm: true },
  // in this order: the scripts are written and every URL made relative before the site is moved
  integrations: [clientScripts(), relativeLinks(), publish()],
});
