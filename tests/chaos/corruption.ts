// The corruption campaign: a copy of an uninterrupted run's cache, with a training experiment
// killed partway (so that it has checkpoints), then damaged on purpose: a byte flipped, a file
// cut short or deleted in randomly chosen cached objects, checkpoints and the run manifest. Each
// must be found when it is read, reported in one line naming it, and recomputed; the rerun's
// figures and claims must be those of the uninterrupted run.
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Rng } from '../../pipeline/engine/random.ts';
import { readRunManifest } from '../../pipeline/runs.ts';
import { Cache } from '../../pipeline/cache.ts';
import { damageFile, pick, pickOne, type Damage } from './damage.ts';
import { referenceRun, type Reference } from './kill-campaign.ts';
import { cacheProblems, differences, resultOf, summarize } from './outcome.ts';
import { figuresArgs, killGroup, readTrace, runToEnd, sleep, startPipeline, tail } from './pipeline-process.ts';

export interface CorruptionOptions {
  profile: string;
  cases: number;
  dir: string;
  args?: string[];
  keep?: boolean;
  seed?: number;
  /** an uninterrupted run to start from (else one is made) */
  reference?: Reference;
  onRow?: (row: CorruptionRow) => void;
}

export interface CorruptionRow {
  kind: 'object' | 'checkpoint' | 'run manifest';
  target: string;
  damage: string;
  /** the line that reported it, or null when nothing did */
  report: string | null;
  recomputed: boolean;
  outcome: 'detected and recomputed' | 'not detected' | 'not recomputed';
}

export interface CorruptionCampaign {
  rows: CorruptionRow[];
  /** how the rerun compares with the uninterrupted run */
  rerun: string;
  ok: boolean;
}

const DAMAGES: Damage[] = ['flip', 'truncate', 'delete'];

function lineWith(output: string, needle: string): string | null {
  return output.split('\n').find((l) => l.includes(needle))?.trim() ?? null;
}

async function objectFiles(cacheDir: string): Promise<Array<{ key: string; files: string[] }>> {
  const out: Array<{ key: string; files: string[] }> = [];
  for (const prefix of (await readdir(join(cacheDir, 'objects'))).sort()) {
    for (const key of (await readdir(join(cacheDir, 'objects', prefix))).sort()) {
      out.push({ key, files: (await readdir(join(cacheDir, 'objects', prefix, key), { recursive: true, withFileTypes: true })).filter((f) => f.isFile()).map((f) => join(f.parentPath, f.name)).sort() });
    }
  }
  return out;
}

/** Kills a copy of the run inside its training experiment; returns that step's name and key. */
async function withCheckpoints(reference: Reference, work: string, profile: string, args: string[]): Promise<{ step: string; key: string }> {
  const trace = readTrace(reference.traceFile);
  const records = trace.filter((l) => l.event === 'checkpoint-record');
  if (records.length === 0) throw new Error('the uninterrupted run trained nothing: no checkpoints to damage');
  const target = records[Math.floor(records.length * 0.7)]!;
  const step = [...trace].reverse().find((l) => l.event === 'step-start' && l.t <= target.t && l.detail!.startsWith('experiment:'))!.detail!;
  const manifest = await readRunManifest(new Cache(join(reference.dir, 'cache')), reference.runId);
  const key = manifest.steps.find((s) => s.name === step)!.key;
  // the objects and the one run manifest of the uninterrupted run (its cache may hold more runs)
  await cp(join(reference.dir, 'cache', 'objects'), join(work, 'cache', 'objects'), { recursive: true });
  await mkdir(join(work, 'cache', 'runs'), { recursive: true });
  await cp(join(reference.dir, 'cache', 'runs', `${reference.runId}.json`), join(work, 'cache', 'runs', `${reference.runId}.json`));
  await rm(join(work, 'cache', 'objects', key.slice(0, 2), key), { recursive: true });
  const victim = startPipeline({ command: 'figures', args: figuresArgs(profile, work, args), traceFile: join(work, 'trace-killed.jsonl'), failpoint: `checkpoint-record ${target.detail}` });
  let ended = false;
  void victim.exited.then(() => (ended = true));
  while (!ended && !readTrace(victim.traceFile).some((l) => l.event === 'frozen')) await sleep(20);
  if (ended) throw new Error(`the run to be killed in ${step} ended by itself:\n${tail((await victim.exited).output)}`);
  await killGroup(victim);
  // the checkpoints are under the key the killed run computed
  const [scratchKey, ...more] = await readdir(join(work, 'cache', 'scratch'));
  if (!scratchKey || more.length > 0) throw new Error(`expected the checkpoints of one step in ${join(work, 'cache', 'scratch')}, found ${[scratchKey, ...more].filter(Boolean).length}`);
  if (scratchKey !== key) throw new Error(`the killed run computed ${step} under ${scratchKey.slice(0, 12)}, not the uninterrupted run's ${key.slice(0, 12)}: did the code change in between?`);
  return { step, key };
}

export async function runCorruptionCampaign(options: CorruptionOptions): Promise<CorruptionCampaign> {
  const args = options.args ?? [];
  const reference = options.reference ?? (await referenceRun(options.profile, join(options.dir, 'reference'), args));
  const work = join(options.dir, 'work');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const rng = new Rng(options.seed ?? 14, 'corruption');
  try {
    const training = await withCheckpoints(reference, work, options.profile, args);
    const cacheDir = join(work, 'cache');
    const checkpointCount = Math.ceil((options.cases - 1) / 2);
    const objectCount = Math.max(0, options.cases - 1 - checkpointCount);
    const planned: Array<Omit<CorruptionRow, 'report' | 'recomputed' | 'outcome'> & { needle: string; check: 'object' | 'checkpoint' | 'manifest'; key?: string; epochEvent?: string }> = [];

    for (const object of pick(await objectFiles(cacheDir), objectCount, rng)) {
      const file = pickOne(object.files, rng);
      const what = await damageFile(file, pickOne(DAMAGES, rng), rng);
      planned.push({ kind: 'object', target: `${object.key.slice(0, 12)}/${basename(file)}`, damage: what, needle: `cached object ${object.key.slice(0, 12)} was corrupt`, check: 'object', key: object.key });
    }
    const scratch = join(cacheDir, 'scratch', training.key);
    for (const trajectory of pick((await readdir(scratch)).sort(), checkpointCount, rng)) {
      const files = (await readdir(join(scratch, trajectory))).filter((f) => /^epoch-\d{4}\.(f32|json)$/.test(f)).sort();
      const records = files.filter((f) => f.endsWith('.json'));
      const file = pickOne(files, rng);
      // the newest record deleted looks exactly like a run killed before writing it: not a damage to find
      const choices = file === records[records.length - 1] ? DAMAGES.filter((d) => d !== 'delete') : DAMAGES;
      const what = await damageFile(join(scratch, trajectory, file), pickOne(choices, rng), rng);
      const epoch = Number(/epoch-(\d{4})/.exec(file)![1]);
      planned.push({ kind: 'checkpoint', target: `${trajectory}/${file}`, damage: what, needle: `checkpoint ${trajectory}/${file.slice(0, 10)}`, check: 'checkpoint', epochEvent: `${trajectory} ${epoch}` });
    }
    const manifestFile = join(cacheDir, 'runs', `${reference.runId}.json`);
    const manifestDamage = await damageFile(manifestFile, pickOne(['flip', 'truncate'] as Damage[], rng), rng);
    planned.push({ kind: 'run manifest', target: `runs/${reference.runId}.json`, damage: manifestDamage, needle: `${reference.runId}.json`, check: 'manifest' });

    // the site reads run manifests: the damaged one is reported, and with no other run, refused
    const site = await runToEnd({ command: 'site', args: ['--cache-dir', cacheDir, '--site-dir', join(work, 'site-before')], traceFile: join(work, 'trace-site.jsonl') });
    const rerun = await runToEnd({ command: 'figures', args: figuresArgs(options.profile, work, args), traceFile: join(work, 'trace-rerun.jsonl') });
    if (rerun.code !== 0 || !rerun.runId) throw new Error(`the rerun after the damage failed (exit ${rerun.code}):\n${tail(rerun.output)}`);
    const rerunManifest = await readRunManifest(new Cache(cacheDir), rerun.runId);
    const retrained = new Set(readTrace(join(work, 'trace-rerun.jsonl')).filter((l) => l.event === 'checkpoint-record').map((l) => l.detail));

    const rows: CorruptionRow[] = planned.map((p) => {
      const report = p.check === 'manifest' ? (site.code === 2 ? lineWith(site.output, p.needle) : null) : lineWith(rerun.output, p.needle);
      const recomputed =
        p.check === 'object'
          ? rerunManifest.steps.some((s) => s.key === p.key && s.status === 'computed')
          : p.check === 'checkpoint'
            ? retrained.has(p.epochEvent)
            : rerunManifest.status === 'ok';
      const outcome = !report ? 'not detected' : !recomputed ? 'not recomputed' : 'detected and recomputed';
      const row: CorruptionRow = { kind: p.kind, target: p.target, damage: p.damage, report, recomputed, outcome };
      options.onRow?.(row);
      return row;
    });
    const diffs = [...differences(reference.result, await resultOf(cacheDir, rerun.runId)), ...(await cacheProblems(cacheDir))];
    return {
      rows,
      rerun: diffs.length === 0 ? 'figures and claims identical to the uninterrupted run; every object verifies' : summarize(diffs),
      ok: diffs.length === 0 && rows.every((r) => r.outcome === 'detected and recomputed'),
    };
  } finally {
    if (!options.keep) await rm(work, { recursive: true, force: true });
  }
}

export function corruptionTable(campaign: CorruptionCampaign): string {
  const lines = ['| kind | damaged file | damage | reported as | recomputed | outcome |', '|---|---|---|---|---|---|'];
  for (const r of campaign.rows) {
    lines.push(`| ${r.kind} | \`${r.target}\` | ${r.damage} | ${(r.report ?? '-').replace(/\|/g, '\\|')} | ${r.recomputed ? 'yes' : 'no'} | ${r.outcome} |`);
  }
  lines.push('', `Rerun: ${campaign.rerun}.`);
  return lines.join('\n');
}
