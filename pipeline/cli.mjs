#!/usr/bin/env node
// `npm run figures`: rebuild the paper's figures and the site, computing only what changed.
// A zx script: it parses the command line, runs the pipeline (figures-command.ts), builds the
// site (site.ts) and prints a summary. Run through `node --import tsx` so it can load TypeScript.
import { chalk, minimist } from 'zx';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explainFigure, runFigures } from './figures-command.ts';
import { buildSite } from './site.ts';
import { writeRunManifest } from './runs.ts';
import { formatSeconds } from './progress.ts';
import { trace } from './trace.ts';
import { PROFILE_NAMES, getProfile } from './profiles.ts';
import { OverrideError, describeOverrides, parseOverrides } from './overrides.ts';
import { CATALOG } from '../figures/catalog.ts';
import { checkCifarCopy } from './data/cifar-check.ts';
import { checkFolders, diskFullMessage, isDiskFull } from './preflight.ts';
import { usageProblem, USAGE_EXIT } from './usage.ts';
import { slurmSettings } from './workers/slurm/options.ts';
import { sharedCacheProblem } from './workers/slurm/probe.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `Usage: npm run figures -- [options]

Rebuilds the figures of Liao & Poggio, "Theory II: Landscape of the Empirical Risk in Deep
Learning", and the site that shows them. Every step is cached by the hash of its inputs, so a
rerun computes only what changed.

Options
  --profile <name>      ${PROFILE_NAMES.join(' | ')} (default: preview)
  --only <ids>          build only these figures, e.g. --only fig-03,fig-06
  --set <setting=value> change one setting of the profile for this run (repeatable), e.g.
                        --set sgdStages.learningRate=0.02 --set data.train=2000; checked
                        against the profile's types, recorded in the run manifest, and part
                        of the keys of exactly the steps that read the setting
  --force               recompute the selected steps even when they are cached
  --explain <id>        say, for each step behind a figure, whether it would be reused and,
                        if not, what changed since it was last built; computes nothing
  --plan                print the work ahead and compute nothing: per training experiment its
                        jobs, image-steps and what is cached, and the wall time estimated from
                        a short timing of this engine, locally and with Slurm tasks
  --jobs <n>            training jobs run in parallel worker processes (default: one per core;
                        one per GPU on a GPU engine)
  --executor <name>     local (default: the worker pool of this machine) | slurm (each batch
                        of independent training jobs as one Slurm job array; the cache folder
                        must be on a file system every node sees, and is checked first)
  --slurm-partition <p> the partition the arrays go to (default: the cluster's default)
  --slurm-gres <gres>   generic resources per task, e.g. gpu:1
  --slurm-time <t>      time limit per task, e.g. 2:00:00 (a task stopped by it resumes from
                        its checkpoints when retried)
  --slurm-max-parallel <n>
                        at most this many tasks of an array run at once (default: no limit)
  --retries <n>         tries after the first for a Slurm task that fails (default: 2)
  --backend <name>      tensorflow | webgpu | wasm (default: the first that is available of
                        tfjs-node-gpu, webgpu on a hardware GPU, tfjs-node, wasm); also
                        LANDSCAPE_BACKEND. A forced backend that is not available is an error
  --cifar-dir <dir>     read CIFAR-10 (binary version) from this folder instead of downloading
  --cache-dir <dir>     where artifacts and run manifests live (default: cache)
  --site-dir <dir>      where the site is built (default: dist)
  --no-site             do not build the site
  --strict-claims       exit non-zero when a claim of the paper fails on this run's data (a
                        failing claim is otherwise a result, reported, not an error)
  --allow-unofficial-data
                        use a CIFAR-10 copy (--cifar-dir) whose files are not the official ones;
                        every figure of the run then says it was made from it
  -h, --help            show this help

Exit codes: 0 done; 1 a step or the site failed (the rest was still built and kept); 2 a usage
error or bad input (options, the CIFAR-10 copy, a cache or site folder that cannot be written,
a full disk), reported in one line before anything is lost.

Figures with a module: ${CATALOG.filter((e) => e.build).map((e) => e.id).join(', ') || 'none'}
`;

const STRING_FLAGS = ['profile', 'only', 'explain', 'jobs', 'backend', 'cifar-dir', 'cache-dir', 'site-dir', 'executor', 'slurm-partition', 'slurm-gres', 'slurm-time', 'slurm-max-parallel', 'retries'];
const BOOLEAN_FLAGS = ['force', 'help', 'site', 'strict-claims', 'allow-unofficial-data', 'plan'];

/** One line on stderr; exit status 1 (the run failed) or USAGE_EXIT (2: a usage error or bad input). */
function fail(message, status = 1) {
  console.error(chalk.red(`figures: ${message}`));
  process.exit(status);
}

/** The --set arguments, checked against the profile (a bad one ends the command with status 2). */
function overridesOf(args) {
  const raw = args.set === undefined ? [] : [args.set].flat().map(String);
  if (raw.length === 0) return {};
  try {
    return parseOverrides(getProfile(args.profile), raw);
  } catch (error) {
    if (error instanceof OverrideError) fail(error.message, USAGE_EXIT);
    throw error;
  }
}

function parseArgs(raw) {
  const unknown = [];
  const args = minimist(raw, {
    string: [...STRING_FLAGS, 'set'],
    boolean: BOOLEAN_FLAGS,
    alias: { h: 'help' },
    default: { profile: 'preview', site: true },
    unknown: (flag) => {
      unknown.push(flag);
      return false;
    },
  });
  if (unknown.length > 0) fail(`${unknown[0].startsWith('-') ? 'unknown option' : 'unexpected argument'} ${unknown[0]} (see --help)`, USAGE_EXIT);
  for (const flag of STRING_FLAGS) {
    if (args[flag] === '' || Array.isArray(args[flag])) fail(`--${flag} needs one value`, USAGE_EXIT);
  }
  const problem = usageProblem(args);
  if (problem) fail(problem, USAGE_EXIT);
  return args;
}

function engineLabel(engine) {
  if (!engine) return 'none';
  const parts = [engine.backend, engine.kernels && engine.kernels !== engine.backend ? engine.kernels : null, engine.adapter ? engine.adapter.device || engine.adapter.vendor : null];
  return parts.filter(Boolean).join(', ') + (engine.initialised ? '' : ' (not loaded: nothing to compute)');
}

function printSummary(manifest, site) {
  const rows = manifest.steps.filter((s) => s.status !== 'available' && s.status !== 'unavailable');
  const width = Math.max(...rows.map((s) => s.name.length), 10);
  const paint = { reused: chalk.gray, computed: chalk.green, failed: chalk.red, blocked: chalk.yellow };
  console.log(`\n${chalk.bold('step'.padEnd(width))}  status    time`);
  for (const s of rows) {
    const status = (paint[s.status] ?? ((x) => x))(s.status.padEnd(8));
    console.log(`${s.name.padEnd(width)}  ${status}  ${s.status === 'computed' ? formatSeconds(s.seconds) : '-'}`);
  }
  const count = (status) => manifest.steps.filter((s) => s.status === status).length;
  const built = manifest.figures.filter((f) => f.status === 'built').length;
  console.log(
    `\n${count('computed')} steps computed, ${count('reused')} reused` +
      (count('failed') ? `, ${count('failed')} failed, ${count('blocked')} blocked` : '') +
      ` in ${formatSeconds(manifest.seconds)}; ${built} of ${manifest.figures.length} figures built` +
      ` (profile ${manifest.profile.name}${describeOverrides(manifest.overrides) ? ` with ${describeOverrides(manifest.overrides)}` : ''}, engine ${engineLabel(manifest.engine)})`,
  );
  printClaims(manifest.claims ?? []);
  if (site) console.log(`site ${site.status} in ${formatSeconds(site.seconds)}: ${site.dir}/index.html`);
  console.log(`run manifest: ${manifest.id}`);
}

function printClaims(claims) {
  if (claims.length === 0) return;
  const count = (status) => claims.filter((c) => c.status === status).length;
  console.log(`\n${chalk.bold('claims of the paper')}: ${count('pass')} pass, ${count('fail')} fail, ${count('not-applicable')} not applicable`);
  const width = Math.max(...claims.map((c) => c.id.length));
  const paint = { pass: chalk.green, fail: chalk.red, 'not-applicable': chalk.gray };
  const label = { pass: 'pass', fail: 'fail', 'not-applicable': 'n/a ' };
  for (const c of claims) {
    const detail = c.status === 'not-applicable' ? c.reason : c.summary;
    console.log(`  ${paint[c.status](label[c.status])}  ${c.id.padEnd(width)}  ${detail ?? ''}`);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  trace('run-start', args.profile);
  if (args.backend) process.env.LANDSCAPE_BACKEND = args.backend;
  if (args['cifar-dir']) process.env.LANDSCAPE_CIFAR_DIR = resolve(args['cifar-dir']);
  const cacheDir = resolve(args['cache-dir'] ?? process.env.LANDSCAPE_CACHE_DIR ?? join(repoRoot, 'cache'));
  process.env.LANDSCAPE_CACHE_DIR = cacheDir;
  const siteDir = resolve(args['site-dir'] ?? join(repoRoot, 'dist'));
  const jobs = args.jobs === undefined ? undefined : Number(args.jobs);
  const only = args.only ? args.only.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  let overrides;
  try {
    overrides = overridesOf(args);
  } catch (error) {
    fail(error.message);
  }
  if (Object.keys(overrides).length > 0) console.log(`settings changed from profile ${args.profile}: ${describeOverrides(overrides)}`);
  if (args.plan) {
    const { planWork } = await import('./work-plan/report.ts');
    const slurmTasks = args['slurm-max-parallel'] === undefined ? undefined : Number(args['slurm-max-parallel']);
    for (const line of await planWork({ profile: args.profile, overrides, only, cacheDir, repoRoot, workers: jobs, slurmTasks })) console.log(line);
    return;
  }
  let unofficialData = null;
  if (!args.explain) {
    // the folders it writes and a local CIFAR-10 copy are checked before anything runs
    const problem = await checkFolders([{ option: '--cache-dir', path: cacheDir }, ...(args.site ? [{ option: '--site-dir', path: siteDir }] : [])]);
    if (problem) fail(problem, USAGE_EXIT);
    unofficialData = await checkCifarCopy(args, cacheDir).catch((error) => fail(error.message, USAGE_EXIT));
  }
  const slurm = slurmSettings(args);
  if (slurm && !args.explain) {
    // the tasks exchange everything through the cache: a cache the nodes do not see is refused
    const problem = await sharedCacheProblem(cacheDir, slurm, (line) => console.log(line)).catch((error) => error.message);
    if (problem) fail(problem, USAGE_EXIT);
  }

  if (args.explain) {
    const lines = await explainFigure({ profile: args.profile, overrides, cacheDir, repoRoot, figure: args.explain });
    for (const line of lines) {
      const mark = line.status === 'hit' ? chalk.green('hit ') : chalk.yellow(line.status);
      console.log(`${mark}  ${line.step}  ${chalk.gray(line.key.slice(0, 12))}`);
      for (const reason of line.reasons) console.log(`        ${reason}`);
    }
    return;
  }

  const { manifest, manifestPath, cache } = await runFigures({
    profile: args.profile,
    overrides,
    only,
    force: args.force,
    jobs,
    ...(slurm ? { slurm } : {}),
    cacheDir,
    repoRoot,
    command: process.argv.slice(2),
    ...(unofficialData ? { unofficialData } : {}),
  });
  let site = null;
  if (args.site) {
    try {
      site = await buildSite({ repoRoot, cache, manifest, manifestPath, outDir: siteDir });
      manifest.site = site;
    } catch (error) {
      if (isDiskFull(error)) fail(diskFullMessage(error, cacheDir), USAGE_EXIT);
      manifest.site = { status: 'failed', seconds: 0, error: error.message };
      manifest.status = 'failed';
      manifest.error = [manifest.error, `site: ${error.message.split('\n')[0]}`].filter(Boolean).join('; ');
      console.error(error.message);
    }
  } else {
    manifest.site = { status: 'skipped', seconds: 0 };
  }
  await writeRunManifest(cache, manifest);
  trace('run-end', manifest.id);
  printSummary(manifest, site);
  if (manifest.status !== 'ok') fail(manifest.error ?? 'failed');
  const failedClaims = (manifest.claims ?? []).filter((c) => c.status === 'fail');
  if (args['strict-claims'] && failedClaims.length > 0) {
    fail(`${failedClaims.length} claim${failedClaims.length > 1 ? 's' : ''} of the paper failed on this run (--strict-claims): ${failedClaims.map((c) => c.id).join(', ')}`);
  }
}

// a full disk is bad input too: one line, and nothing already cached is lost
main().catch((error) => (isDiskFull(error) ? fail(diskFullMessage(error, process.env.LANDSCAPE_CACHE_DIR), USAGE_EXIT) : fail(error?.message ?? String(error))));
