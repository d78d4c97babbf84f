#!/usr/bin/env node
// `npm run site`: (re)build the static site from a run manifest, without running the pipeline.
import { chalk, minimist } from 'zx';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cache } from './cache.ts';
import { listRuns, readRunManifest } from './runs.ts';
import { buildSite } from './site.ts';
import { formatSeconds } from './progress.ts';
import { diffRuns } from './diff/compare.ts';
import { conclusion } from './diff/format.ts';
import { RunNameError, resolveRun } from './diff/resolve.ts';
import { writeSiteBundle } from './diff/write.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `Usage: npm run site -- [options]

Builds the reproducibility site from a run manifest (by default the newest successful run).

Options
  --run <id>            the run to show (see cache/runs/)
  --diff <run>          add a page comparing the run shown with this one (an id, latest,
                        latest~N, a site folder or a run manifest, as for npm run diff): every
                        figure's verdict, A and B side by side, the pixel diff, an overlay of
                        both runs' data, the numbers, and the settings that differ
  --cache-dir <dir>     where artifacts and run manifests live (default: cache)
  --site-dir <dir>      where the site is built (default: dist)
  -h, --help            show this help
`;

/** One line on stderr; status 2 for a run name that means nothing (as npm run diff), else 1. */
function fail(message, status = 1) {
  console.error(chalk.red(`site: ${message}`));
  process.exit(status);
}

async function main() {
  const unknown = [];
  const args = minimist(process.argv.slice(2), {
    string: ['run', 'diff', 'cache-dir', 'site-dir'],
    boolean: ['help'],
    alias: { h: 'help' },
    unknown: (flag) => (flag.startsWith('-') && unknown.push(flag), false),
  });
  if (unknown.length) fail(`unknown option ${unknown[0]} (see --help)`);
  if (args.help) return void process.stdout.write(HELP);
  const cache = new Cache(resolve(args['cache-dir'] ?? process.env.LANDSCAPE_CACHE_DIR ?? join(repoRoot, 'cache')));
  let id = args.run;
  if (!id) {
    for (const candidate of (await listRuns(cache)).reverse()) {
      if ((await readRunManifest(cache, candidate)).status === 'ok') {
        id = candidate;
        break;
      }
    }
    if (!id) fail(`no successful run in ${cache.runsDir}: run \`npm run figures\` first`);
  }
  const manifest = await readRunManifest(cache, id);
  const compared = args.diff ? await diffBundle(args.diff, id, cache.root) : null;
  const diffDir = compared?.dir;
  try {
    const site = await buildSite({
      repoRoot,
      cache,
      manifest,
      manifestPath: join(cache.runsDir, `${id}.json`),
      outDir: resolve(args['site-dir'] ?? join(repoRoot, 'dist')),
      force: true,
      diffDir,
    });
    console.log(`site ${site.status} in ${formatSeconds(site.seconds)} from run ${id}: ${site.dir}/index.html`);
    if (compared) console.log(`diff page: ${join(site.dir, 'diff', encodeURIComponent(compared.other), 'index.html')}`);
  } finally {
    if (diffDir) await rm(dirname(diffDir), { recursive: true, force: true });
  }
}

/** The comparison of `other` (A) with the run shown (B), as a bundle for the diff page. */
async function diffBundle(other, shown, cacheDir) {
  const [a, b] = await Promise.all([resolveRun(other, { cacheDir }), resolveRun(shown, { cacheDir })]);
  const diff = await diffRuns(a, b, { tolerance: { abs: 0, rel: 0 }, visuals: true, threads: availableParallelism() });
  console.log(`compared with ${diff.a.id}: ${conclusion(diff)}`);
  const dir = join(await mkdtemp(join(tmpdir(), 'landscape-diff-')), 'bundle');
  await writeSiteBundle(diff, dir);
  return { dir, other: diff.a.id };
}

main().catch((error) => fail(error?.message ?? String(error), error instanceof RunNameError ? 2 : 1));
