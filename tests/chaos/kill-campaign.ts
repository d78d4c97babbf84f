// The kill -9 campaign: an uninterrupted run of a profile, then for each kill point a cold run
// killed there (its whole process group, SIGKILL), rerun on the same cache to completion, and
// compared with the uninterrupted run: every figure's files by hash and every claim's numbers,
// plus the cache itself (every object whole, nothing left in tmp/, scratch/ or locks/).
// With `warm`, each killed run starts from the uninterrupted run's cache less the step the point
// lands in and its dependants (warm-start.ts), instead of an empty cache.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { killPoints, runningAt, type KillPoint } from './kill-points.ts';
import { cacheProblems, differences, resultOf, summarize, type RunResult } from './outcome.ts';
import { landing, warmCache } from './warm-start.ts';
import { figuresArgs, killGroup, readTrace, runToEnd, sleep, startPipeline, tail } from './pipeline-process.ts';

export interface KillCampaignOptions {
  profile: string;
  points: number;
  /** a folder for the runs (one subfolder each) */
  dir: string;
  /** extra arguments of every figures run, e.g. --jobs 2 */
  args?: string[];
  /** keep each point's cache and site (default: removed once checked) */
  keep?: boolean;
  /** an uninterrupted run to compare with (else one is made) */
  reference?: Reference;
  /** these points instead of `points` chosen from the uninterrupted run's trace */
  only?: KillPoint[];
  /** start each killed run from the reference cache less the killed step and its dependants */
  warm?: boolean;
  /** called with each row as soon as it is known */
  onRow?: (row: KillRow) => void;
}

export interface KillRow {
  point: number;
  aim: string;
  /** what the killed run was doing, from its own trace */
  running: string;
  /** seconds into the run when it was killed */
  at: number | null;
  outcome: 'identical' | 'different' | 'not killed' | 'rerun failed';
  detail: string;
}

export interface KillCampaign {
  referenceSeconds: number;
  rows: KillRow[];
}

/** An uninterrupted run: its folder (cache/, site/), id, trace and what it produced. */
export interface Reference {
  dir: string;
  runId: string;
  traceFile: string;
  result: RunResult;
  seconds: number;
}

export async function referenceRun(profile: string, dir: string, args: string[] = []): Promise<Reference> {
  await mkdir(dir, { recursive: true });
  const traceFile = join(dir, 'trace.jsonl');
  const started = performance.now();
  const run = await runToEnd({ command: 'figures', args: figuresArgs(profile, dir, args), traceFile });
  if (run.code !== 0 || !run.runId) throw new Error(`the uninterrupted ${profile} run failed (exit ${run.code}):\n${tail(run.output)}`);
  return { dir, runId: run.runId, traceFile, result: await resultOf(join(dir, 'cache'), run.runId), seconds: (performance.now() - started) / 1000 };
}

export async function runKillCampaign(options: KillCampaignOptions): Promise<KillCampaign> {
  const reference = options.reference ?? (await referenceRun(options.profile, join(options.dir, 'reference'), options.args));
  const points = options.only ?? killPoints(readTrace(reference.traceFile), options.points);
  const rows: KillRow[] = [];
  for (const [i, point] of points.entries()) {
    const row = await killAndRerun(options, i + 1, point, reference);
    rows.push(row);
    options.onRow?.(row);
  }
  return { referenceSeconds: reference.seconds, rows };
}

/** Waits for the point in the victim's trace; false when the run ended before reaching it. */
async function reach(point: KillPoint, traceFile: string, ended: () => boolean): Promise<boolean> {
  const matches = (event: string, detail: string | undefined): boolean =>
    point.kind === 'after' ? event === point.event && (point.detail === undefined || detail === point.detail) : event === 'frozen';
  for (;;) {
    const hits = readTrace(traceFile).filter((l) => matches(l.event, l.detail));
    const nth = point.kind === 'after' ? (point.nth ?? 1) : 1;
    if (hits.length >= nth) {
      if (point.kind === 'after' && point.delayMs > 0) await sleep(point.delayMs);
      return !ended();
    }
    if (ended()) return false;
    await sleep(15);
  }
}

async function killAndRerun(options: KillCampaignOptions, n: number, aimed: KillPoint, uninterrupted: Reference): Promise<KillRow> {
  const reference = uninterrupted.result;
  const dir = join(options.dir, `point-${String(n).padStart(2, '0')}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const base = { point: n, aim: aimed.aim };
  let point = aimed;
  let warmNote = '';
  if (options.warm) {
    const landed = landing(aimed, readTrace(uninterrupted.traceFile));
    point = landed.point;
    const left = await warmCache(join(uninterrupted.dir, 'cache'), uninterrupted.runId, landed.step, join(dir, 'cache'));
    warmNote = ` (warm: ${left.length} of the reference's steps left out${landed.step ? `, from ${landed.step} on` : ''})`;
  }
  const args = figuresArgs(options.profile, dir, options.args);
  const victimTrace = join(dir, 'trace-killed.jsonl');
  const victim = startPipeline({ command: 'figures', args, traceFile: victimTrace, ...(point.kind === 'failpoint' ? { failpoint: point.failpoint } : {}) });
  let ended = false;
  void victim.exited.then(() => (ended = true));
  const reached = await reach(point, victimTrace, () => ended);
  const killedAt = Date.now();
  await killGroup(victim);
  const trace = readTrace(victimTrace);
  const start = trace.find((l) => l.event === 'run-start')?.t ?? killedAt;
  const running = runningAt(trace);
  try {
    if (!reached) {
      const { code, output } = await victim.exited;
      return { ...base, running, at: null, outcome: 'not killed', detail: `the run ended first (exit ${code}): ${tail(output, 1)}` };
    }
    const rerun = await runToEnd({ command: 'figures', args, traceFile: join(dir, 'trace-rerun.jsonl') });
    const at = (killedAt - start) / 1000;
    if (rerun.code !== 0 || !rerun.runId) return { ...base, running, at, outcome: 'rerun failed', detail: `exit ${rerun.code}: ${tail(rerun.output, 3)}` };
    const diffs = differences(reference, await resultOf(join(dir, 'cache'), rerun.runId));
    const problems = await cacheProblems(join(dir, 'cache'));
    const fromCheckpoints = rerun.output.split('\n').filter((l) => l.includes('from checkpoints'));
    const resumed = (fromCheckpoints.find((l) => l.includes('resumed')) ?? fromCheckpoints[fromCheckpoints.length - 1])?.replace(/^.*?: (stage|wave)/, '$1').trim();
    if (diffs.length + problems.length > 0) return { ...base, running, at, outcome: 'different', detail: summarize([...diffs, ...problems]) };
    return { ...base, running, at, outcome: 'identical', detail: (resumed ? `rerun ${resumed}` : 'rerun reused or recomputed the rest') + warmNote };
  } finally {
    if (!options.keep) await rm(dir, { recursive: true, force: true });
  }
}

/** The campaign as a Markdown table. */
export function killTable(campaign: KillCampaign): string {
  const lines = ['| point | aimed at | step running when killed | killed after | outcome | detail |', '|---|---|---|---|---|---|'];
  for (const r of campaign.rows) {
    lines.push(`| ${r.point} | ${r.aim} | ${r.running} | ${r.at === null ? '-' : `${r.at.toFixed(1)} s`} | ${r.outcome} | ${r.detail.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  }
  return lines.join('\n');
}
