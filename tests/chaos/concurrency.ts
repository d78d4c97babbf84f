// The concurrency campaign: two figures runs started together on one cold cache and one site
// folder, then a forced run with `npm run site` started in its middle, on the same cache and site
// folder. Nothing may be corrupted, no step computed by two processes at the same time (their
// traces say when each computed what), and every run's figures and claims must be those of an
// uninterrupted run.
import { access, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TraceLine } from '../../pipeline/trace.ts';
import { referenceRun, type Reference } from './kill-campaign.ts';
import { spans } from './kill-points.ts';
import { cacheProblems, differences, resultOf, summarize } from './outcome.ts';
import { figuresArgs, readTrace, runToEnd, sleep, startPipeline, tail } from './pipeline-process.ts';

export interface ConcurrencyOptions {
  profile: string;
  dir: string;
  args?: string[];
  keep?: boolean;
  reference?: Reference;
}

export interface ConcurrencyRow {
  scenario: string;
  check: string;
  result: string;
  ok: boolean;
}

export interface ConcurrencyCampaign {
  rows: ConcurrencyRow[];
  ok: boolean;
}

/** Steps (and site builds) that two processes ran at overlapping times, and those both computed. */
function overlaps(a: TraceLine[], b: TraceLine[]): { overlapping: string[]; twice: string[] } {
  const sa = spans(a);
  const sb = spans(b);
  const overlapping: string[] = [];
  const twice: string[] = [];
  for (const x of sa) {
    for (const y of sb.filter((s) => s.name === x.name)) {
      if (x.name !== 'site') twice.push(x.name);
      if (x.start < y.end && y.start < x.end) overlapping.push(x.name);
    }
  }
  return { overlapping, twice };
}

async function siteComplete(siteDir: string, figureIds: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const page of ['index.html', ...figureIds.map((id) => `figures/${id}/index.html`)]) {
    await access(join(siteDir, page)).catch(() => missing.push(page));
  }
  return missing;
}

export async function runConcurrencyCampaign(options: ConcurrencyOptions): Promise<ConcurrencyCampaign> {
  const args = options.args ?? [];
  const reference = options.reference ?? (await referenceRun(options.profile, join(options.dir, 'reference'), args));
  const dir = join(options.dir, 'shared');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const cacheDir = join(dir, 'cache');
  const built = Object.entries(reference.result.figures).filter(([, files]) => files).map(([id]) => id);
  const rows: ConcurrencyRow[] = [];
  const row = (scenario: string, check: string, problems: string[], good: string): void => {
    rows.push({ scenario, check, result: problems.length ? summarize(problems) : good, ok: problems.length === 0 });
  };
  try {
    // 1. two cold runs at once
    const both = 'two figures runs started together';
    const [a, b] = await Promise.all(['a', 'b'].map((n) => runToEnd({ command: 'figures', args: figuresArgs(options.profile, dir, args), traceFile: join(dir, `trace-${n}.jsonl`) })));
    row(both, 'both succeed', [a!, b!].filter((r) => r.code !== 0 || !r.runId).map((r) => `exit ${r.code}: ${tail(r.output, 2)}`), `both exit 0 (runs ${a!.runId}, ${b!.runId})`);
    if (a!.runId && b!.runId) {
      const diffs = [...differences(reference.result, await resultOf(cacheDir, a!.runId)), ...differences(reference.result, await resultOf(cacheDir, b!.runId))];
      row(both, 'figures and claims of each run', diffs, 'identical to the uninterrupted run');
    }
    const { overlapping, twice } = overlaps(readTrace(join(dir, 'trace-a.jsonl')), readTrace(join(dir, 'trace-b.jsonl')));
    row(both, 'no step computed by both at the same time', overlapping, `none (${twice.length} steps computed by both, one after the other)`);
    row(both, 'cache', await cacheProblems(cacheDir), 'every object verifies; no temporary folder, checkpoint or lock left');
    row(both, 'site folder', await siteComplete(join(dir, 'site'), built), 'complete');

    // 2. a site build while a run recomputes everything on the same cache
    const during = 'npm run site during a forced run';
    const forced = startPipeline({ command: 'figures', args: figuresArgs(options.profile, dir, [...args, '--force']), traceFile: join(dir, 'trace-forced.jsonl') });
    let forcedEnded = false;
    void forced.exited.then(() => (forcedEnded = true));
    while (!forcedEnded && !readTrace(forced.traceFile).some((l) => l.event === 'checkpoint-record')) await sleep(50);
    const site = await runToEnd({ command: 'site', args: ['--cache-dir', cacheDir, '--site-dir', join(dir, 'site')], traceFile: join(dir, 'trace-site.jsonl') });
    const f = await forced.exited;
    const forcedId = /run manifest: (\S+)/.exec(f.output)?.[1] ?? null;
    const siteStarted = readTrace(join(dir, 'trace-site.jsonl')).find((l) => l.event === 'site-start')?.t;
    const forcedSpans = spans(readTrace(forced.traceFile));
    const inside = siteStarted !== undefined && forcedSpans.some((s) => s.name !== 'site' && s.start <= siteStarted && siteStarted <= s.end);
    row(during, 'both succeed', [
      ...(f.code !== 0 || !forcedId ? [`figures exit ${f.code}: ${tail(f.output, 2)}`] : []),
      ...(site.code !== 0 ? [`site exit ${site.code}: ${tail(site.output, 2)}`] : []),
    ], `both exit 0; the site build started while the run was ${inside ? 'computing steps' : 'between steps'}`);
    if (forcedId) row(during, 'figures and claims of the run', differences(reference.result, await resultOf(cacheDir, forcedId)), 'identical to the uninterrupted run');
    const sites = overlaps(readTrace(forced.traceFile), readTrace(join(dir, 'trace-site.jsonl')));
    row(during, 'no two site builds of the folder at the same time', sites.overlapping, 'none');
    row(during, 'cache', await cacheProblems(cacheDir), 'every object verifies; nothing left behind');
    row(during, 'site folder', await siteComplete(join(dir, 'site'), built), 'complete');
    return { rows, ok: rows.every((r) => r.ok) };
  } finally {
    if (!options.keep) await rm(dir, { recursive: true, force: true });
  }
}

export function concurrencyTable(campaign: ConcurrencyCampaign): string {
  const lines = ['| scenario | check | result |', '|---|---|---|'];
  for (const r of campaign.rows) lines.push(`| ${r.scenario} | ${r.check} | ${r.ok ? '' : 'FAILED: '}${r.result.replace(/\|/g, '\\|')} |`);
  return lines.join('\n');
}
