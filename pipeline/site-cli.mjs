#!/usr/bin/env node
// `npm run site`: (re)build the static site from a run manifest, without running the pipeline.
import { chalk, minimist } from 'zx';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cache } from './cache.ts';
import { newestOkRun, readRunManifestFile } from './runs.ts';
import { checkFolders } from './preflight.ts';
import { buildSite } from './site.ts';
import { formatSeconds } from './progress.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `Usage: npm run site -- [options]

Builds the reproducibility site from a run manifest (by default the newest successful run).

Options
  --run <id>            the run to show (see cache/runs/)
  --cache-dir <dir>     where artifacts and run manifests live (default: cache)
  --site-dir <dir>      where the site is built (default: dist)
  -h, --help            show this help

Damaged run manifests are reported and skipped (or refused when named with --run). Exit codes: 0
built; 1 the build failed; 2 a usage error or bad input (no such run, a damaged one, a site
folder that cannot be written).
`;

/** exit code 2: bad input (an unknown option, no such run); 1: the build itself failed */
function fail(message, code = 1) {
  console.error(chalk.red(`site: ${message}`));
  process.exit(code);
}

async function main() {
  const unknown = [];
  const args = minimist(process.argv.slice(2), {
    string: ['run', 'cache-dir', 'site-dir'],
    boolean: ['help'],
    alias: { h: 'help' },
    unknown: (flag) => (unknown.push(flag), false),
  });
  if (unknown.length) fail(`${unknown[0].startsWith('-') ? 'unknown option' : 'unexpected argument'} ${unknown[0]} (see --help)`, 2);
  if (args.help) return void process.stdout.write(HELP);
  for (const flag of ['run', 'cache-dir', 'site-dir']) {
    if (args[flag] === '' || Array.isArray(args[flag])) fail(`--${flag} needs one value`, 2);
  }
  if (args.run !== undefined && !/^[\w.-]+$/.test(args.run)) fail(`--run takes a run id (a name in the cache's runs/ folder), got '${args.run}'`, 2);
  const siteDir = resolve(args['site-dir'] ?? join(repoRoot, 'dist'));
  const problem = await checkFolders([{ option: '--site-dir', path: siteDir }]);
  if (problem) fail(problem, 2);
  const cache = new Cache(resolve(args['cache-dir'] ?? process.env.LANDSCAPE_CACHE_DIR ?? join(repoRoot, 'cache')));
  let manifestPath;
  let manifest;
  try {
    if (args.run) {
      manifestPath = join(cache.runsDir, `${args.run}.json`);
      manifest = await readRunManifestFile(manifestPath);
    } else {
      const newest = await newestOkRun(cache.runsDir, (message) => console.error(chalk.yellow(`site: ${message}`)));
      if (!newest) fail(`no successful run in ${cache.runsDir}: run \`npm run figures\` first`, 2);
      ({ path: manifestPath, manifest } = newest);
    }
  } catch (error) {
    fail(error.message, 2);
  }
  const id = manifest.id;
  const site = await buildSite({
    repoRoot,
    cache,
    manifest,
    manifestPath,
    outDir: siteDir,
    force: true,
  });
  console.log(`site ${site.status} in ${formatSeconds(site.seconds)} from run ${id}: ${site.dir}/index.html`);
}

main().catch((error) => fail(error?.message ?? String(error)));
