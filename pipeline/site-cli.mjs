#!/usr/bin/env node
// `npm run site`: (re)build the static site from a run manifest, without running the pipeline.
import { chalk, minimist } from 'zx';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cache } from './cache.ts';
import { listRuns, readRunManifest } from './runs.ts';
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
`;

function fail(message) {
  console.error(chalk.red(`site: ${message}`));
  process.exit(1);
}

async function main() {
  const unknown = [];
  const args = minimist(process.argv.slice(2), {
    string: ['run', 'cache-dir', 'site-dir'],
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
  const site = await buildSite({
    repoRoot,
    cache,
    manifest,
    manifestPath: join(cache.runsDir, `${id}.json`),
    outDir: resolve(args['site-dir'] ?? join(repoRoot, 'dist')),
    force: true,
  });
  console.log(`site ${site.status} in ${formatSeconds(site.seconds)} from run ${id}: ${site.dir}/index.html`);
}

main().catch((error) => fail(error?.message ?? String(error)));
