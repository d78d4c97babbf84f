#!/usr/bin/env node
// `npm run diff -- <A> <B>`: compare two runs figure by figure (pipeline/diff/). A zx script like
// cli.mjs, run through `node --import tsx`. Exit status: 0 within tolerance, 1 beyond it, 2 when
// the comparison could not be made (bad input), with a one-line reason.
import { chalk, minimist } from 'zx';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { diffRuns } from './diff/compare.ts';
import { resolveRun } from './diff/resolve.ts';
import { textReport } from './diff/report-text.ts';
import { writeReports } from './diff/write.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `Usage: npm run diff -- <A> <B> [options]

Compares two runs figure by figure: identical, data changed, rendering changed, added, removed or
missing in one run; for changed data, each table's rows paired by their key columns, with rows
only in one run, the largest absolute and relative difference and the change of final values;
for pictures, the share of pixels that differ; the claims whose result or numbers changed; and,
first, the settings that differ between the two runs.

A run is one of
  <id>                  a run in the cache (cache/runs/<id>.json), or the start of one id
  latest, latest~N      the newest run, the N-th before it
  <folder>              a built site (it carries its run manifest and every figure's files)
  <file>.json           a run manifest

Options
  --tolerance <abs,rel> numbers within abs + rel * max(|a|, |b|) count as equal (default 0,0:
                        exact); one number sets both
  --abs-tolerance <x>   the absolute part alone
  --rel-tolerance <x>   the relative part alone
  --pixel-tolerance <s> a figure whose data is the same may differ in this share of pixels
                        (0.001 = 0.1%); without it any rendering change is beyond tolerance
  --only <ids>          compare only these figures, e.g. --only fig-03,fig-07
  --markdown <file>     also write the report as Markdown (for a pull-request comment)
  --html <file>         also write a self-contained HTML page: A and B side by side, an overlay
                        of both runs' data on the figure's own chart, the pixel diff, the numbers
  --json <file>         also write the comparison as JSON
  --cache-dir <dir>     where run manifests and artifacts live (default: cache)
  -h, --help            show this help

Exit status: 0 within tolerance, 1 beyond it, 2 when the runs cannot be compared.
`;

const STRING_FLAGS = ['tolerance', 'abs-tolerance', 'rel-tolerance', 'pixel-tolerance', 'only', 'markdown', 'html', 'json', 'cache-dir'];

function bad(message) {
  console.error(chalk.red(`diff: ${message}`));
  process.exit(2);
}

function number(flag, text, { max = Number.POSITIVE_INFINITY } = {}) {
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || value < 0 || value > max) bad(`--${flag} needs a number from 0${max < Infinity ? ` to ${max}` : ''}, got '${text}'`);
  return value;
}

function toleranceOf(args) {
  const tolerance = { abs: 0, rel: 0 };
  if (args.tolerance !== undefined) {
    const parts = String(args.tolerance).split(',');
    if (parts.length > 2) bad(`--tolerance needs abs,rel or one number, got '${args.tolerance}'`);
    tolerance.abs = number('tolerance', parts[0].trim());
    tolerance.rel = number('tolerance', (parts[1] ?? parts[0]).trim());
  }
  if (args['abs-tolerance'] !== undefined) tolerance.abs = number('abs-tolerance', args['abs-tolerance']);
  if (args['rel-tolerance'] !== undefined) tolerance.rel = number('rel-tolerance', args['rel-tolerance']);
  if (args['pixel-tolerance'] !== undefined) tolerance.pixels = number('pixel-tolerance', args['pixel-tolerance'], { max: 1 });
  return tolerance;
}

function parseArgs(raw) {
  const unknown = [];
  const args = minimist(raw, {
    string: STRING_FLAGS,
    boolean: ['help'],
    alias: { h: 'help' },
    unknown: (arg) => {
      if (!arg.startsWith('-')) return true;
      unknown.push(arg);
      return false;
    },
  });
  if (unknown.length > 0) bad(`unknown option ${unknown[0]} (see --help)`);
  for (const flag of STRING_FLAGS) {
    if (args[flag] === '' || Array.isArray(args[flag])) bad(`--${flag} needs one value`);
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) return void process.stdout.write(HELP);
  const names = args._.map(String);
  if (names.length !== 2) bad(`needs two runs to compare, got ${names.length} (see --help)`);
  const tolerance = toleranceOf(args);
  const only = args.only ? args.only.split(',').map((s) => s.trim()).filter(Boolean) : null;
  const cacheDir = resolve(args['cache-dir'] ?? process.env.LANDSCAPE_CACHE_DIR ?? join(repoRoot, 'cache'));

  const [a, b] = await Promise.all(names.map((name) => resolveRun(name, { cacheDir })));
  const visuals = Boolean(args.html);
  const diff = await diffRuns(a, b, { tolerance, only, visuals, threads: availableParallelism() });
  process.stdout.write(textReport(diff, { color: chalk.level > 0 }));
  const written = await writeReports(diff, { markdown: args.markdown, html: args.html, json: args.json, repoRoot });
  for (const path of written) console.log(chalk.gray(`wrote ${path}`));
  process.exitCode = diff.withinTolerance ? 0 : 1;
}

// every failure to compare is status 2 (1 means the runs differ): bad names, unreadable folders
main().catch((error) => bad(String(error?.message ?? error).split('\n')[0]));
