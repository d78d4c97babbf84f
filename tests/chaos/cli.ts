// `npm run chaos -- [kill|corrupt|concurrent|all] [options]`: the reliability campaigns.
//   kill        kill -9 the whole run at N points, rerun each, compare with an uninterrupted run
//   corrupt     flip a byte, truncate or delete files of cached objects, checkpoints and run
//               manifests; each must be found, reported in one line and recomputed
//   concurrent  two figures runs on one cache at once, and a site build during a run
// Prints a Markdown table per campaign and exits 1 when any row is not as it should be.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runConcurrencyCampaign, concurrencyTable } from './concurrency.ts';
import { corruptionTable, runCorruptionCampaign } from './corruption.ts';
import { killTable, referenceRun, runKillCampaign } from './kill-campaign.ts';

const HELP = `Usage: npm run chaos -- [kill|corrupt|concurrent|all] [options]

Options
  --profile <name>   the profile to run (default: smoke)
  --points <n>       kill points of the kill campaign (default: 20)
  --cases <n>        damaged files of the corruption campaign (default: 12)
  --jobs <n>         passed to every figures run
  --only <ids>       passed to every figures run: a campaign over the steps behind these figures
  --warm             kill campaign: start each killed run from the uninterrupted run's cache less
                     the step the point lands in and every step that depends on it (a point then
                     costs that step and what follows from it, not a whole run)
  --dir <dir>        where the runs go (default: a new temporary folder, removed at the end)
  --keep             keep every run's cache and site
  --out <file>       also write the tables there (Markdown)
  -h, --help         show this help
`;

function usage(message: string): never {
  console.error(`chaos: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        profile: { type: 'string', default: 'smoke' },
        points: { type: 'string', default: '20' },
        cases: { type: 'string', default: '12' },
        jobs: { type: 'string' },
        only: { type: 'string' },
        dir: { type: 'string' },
        keep: { type: 'boolean', default: false },
        warm: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    usage(`${(error as Error).message} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return void process.stdout.write(HELP);
  const mode = positionals[0] ?? 'all';
  if (!['kill', 'corrupt', 'concurrent', 'all'].includes(mode) || positionals.length > 1) usage(`unknown campaign '${positionals.join(' ')}' (kill, corrupt, concurrent or all)`);
  const count = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) usage(`--${name} needs a whole number of at least 1, got '${text}'`);
    return n;
  };
  const points = count('points', values.points);
  const cases = count('cases', values.cases);
  const args = values.jobs ? ['--jobs', String(count('jobs', values.jobs))] : [];
  if (values.only) args.push('--only', values.only);
  const dir = values.dir ? resolve(values.dir) : await mkdtemp(join(tmpdir(), 'landscape-chaos-'));
  const log = (line: string) => console.log(line);
  const startLoad = loadavg();
  const tables: string[] = [];
  let failed = false;
  try {
    // one uninterrupted run, the reference of every campaign
    log(`an uninterrupted ${values.profile} run, in ${dir}`);
    const reference = await referenceRun(values.profile, join(dir, 'reference'), args);
    log(`  ${reference.seconds.toFixed(0)} s (run ${reference.runId})`);
    if (mode === 'kill' || mode === 'all') {
      log(`kill campaign: ${points} points`);
      const campaign = await runKillCampaign({
        profile: values.profile,
        points,
        dir: join(dir, 'kill'),
        args,
        keep: values.keep,
        warm: values.warm,
        reference,
        onRow: (r) => log(`  point ${r.point}: ${r.outcome} (${r.aim}; ${r.running}) ${r.detail}`),
      });
      tables.push(`## kill -9 campaign (${values.profile}${values.only ? `, figures ${values.only}` : ''}, ${points} points${values.warm ? ', each killed run started warm' : ''}; the uninterrupted run took ${campaign.referenceSeconds.toFixed(0)} s)\n\n${killTable(campaign)}`);
      failed ||= campaign.rows.some((r) => r.outcome !== 'identical');
    }
    if (mode === 'corrupt' || mode === 'all') {
      log(`corruption campaign: ${cases} damaged files`);
      const campaign = await runCorruptionCampaign({ profile: values.profile, cases, dir: join(dir, 'corrupt'), args, keep: values.keep, reference, onRow: (r) => log(`  ${r.target}: ${r.outcome} ${r.report}`) });
      tables.push(`## corruption campaign (${values.profile})\n\n${corruptionTable(campaign)}`);
      failed ||= !campaign.ok;
    }
    if (mode === 'concurrent' || mode === 'all') {
      log('concurrency campaign');
      const campaign = await runConcurrencyCampaign({ profile: values.profile, dir: join(dir, 'concurrent'), args, keep: values.keep, reference });
      tables.push(`## concurrency campaign (${values.profile})\n\n${concurrencyTable(campaign)}`);
      failed ||= !campaign.ok;
    }
  } finally {
    if (!values.dir && !values.keep) await rm(dir, { recursive: true, force: true });
  }
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(', ');
  tables.push(`Load average (1, 5, 15 min) at the start: ${load(startLoad)}; at the end: ${load(loadavg())}; ${availableParallelism()} cores.`);
  const text = tables.join('\n\n') + '\n';
  console.log(`\n${text}`);
  if (values.out) await writeFile(values.out, text);
  if (failed) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(`chaos: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
});
