// Where the kill -9 campaign kills a run: points chosen from the trace of an uninterrupted run so
// that every kind of step is hit (data, each experiment mid-epoch and between epochs, analyses,
// claims, figures, rendering, the site build, the run manifest's write), then points spread
// evenly over the run's time.
import type { TraceLine } from '../../pipeline/trace.ts';

export type KillPoint =
  /** the process reaching this trace event freezes there (pipeline/trace.ts) and is killed */
  | { kind: 'failpoint'; failpoint: string; aim: string }
  /** killed `delayMs` after the n-th trace event matching `event` (and `detail`, when given) */
  | { kind: 'after'; event: string; detail?: string; nth?: number; delayMs: number; aim: string };

interface Span {
  name: string;
  start: number;
  end: number;
}

/** Steps (and the site build) with their start and end times, in the order they started. */
export function spans(trace: TraceLine[]): Span[] {
  const open = new Map<string, number>();
  const out: Span[] = [];
  for (const line of trace) {
    const name = line.event.startsWith('site-') ? 'site' : line.detail ?? '';
    if (line.event === 'step-start' || line.event === 'site-start') open.set(name, line.t);
    if ((line.event === 'step-end' || line.event === 'site-end') && open.has(name)) {
      out.push({ name, start: open.get(name)!, end: line.t });
      open.delete(name);
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

function midway(span: Span, aim: string): KillPoint {
  const event = span.name === 'site' ? 'site-start' : 'step-start';
  return { kind: 'after', event, ...(span.name === 'site' ? {} : { detail: span.name }), delayMs: Math.round((span.end - span.start) / 2), aim };
}

/** Checkpoint events of one experiment step, with the typical time an epoch takes. */
function checkpoints(trace: TraceLine[], span: Span): { records: TraceLine[]; epochMs: number } {
  const inside = trace.filter((l) => l.t >= span.start && l.t <= span.end);
  const records = inside.filter((l) => l.event === 'checkpoint-record');
  const last = new Map<string, number>();
  const gaps: number[] = [];
  for (const r of records) {
    const trajectory = r.detail!.split(' ')[0]!;
    if (last.has(trajectory)) gaps.push(r.t - last.get(trajectory)!);
    last.set(trajectory, r.t);
  }
  gaps.sort((a, b) => a - b);
  return { records, epochMs: gaps[Math.floor(gaps.length / 2)] ?? 0 };
}

/** The points that cover every kind of step, in the order a campaign takes them. */
function coveringPoints(trace: TraceLine[]): KillPoint[] {
  const all = spans(trace);
  const points: KillPoint[] = [];
  const find = (test: (s: Span) => boolean) => all.filter(test);
  const training = find((s) => s.name.startsWith('experiment:'))
    .map((s) => ({ span: s, ...checkpoints(trace, s) }))
    .filter((t) => t.records.length > 0);
  // trained epochs only (epoch 0 is the start), at a share of the way through the experiment
  const at = (records: TraceLine[], share: number): string => {
    const trained = records.filter((r) => !r.detail!.endsWith(' 0'));
    return trained[Math.min(trained.length - 1, Math.floor(trained.length * share))]!.detail!;
  };
  // the kinds every campaign should reach first: each training experiment mid-epoch and between
  // epochs, then data, an analysis, rendering, the site build and the run manifest's write
  for (const { span, records, epochMs } of training) {
    points.push({ kind: 'after', event: 'checkpoint-record', detail: at(records, 0.33), delayMs: Math.round(epochMs / 2), aim: `${span.name}: mid-epoch` });
    points.push({ kind: 'failpoint', failpoint: `checkpoint-record ${at(records, 0.75)}`, aim: `${span.name}: between epochs` });
  }
  const data = find((s) => s.name === 'data')[0];
  if (data) points.push(midway(data, 'data'));
  const analysis = find((s) => s.name.startsWith('analysis:'));
  if (analysis.length > 0) points.push(midway(analysis[0]!, 'analysis'));
  const render = [...find((s) => s.name.startsWith('render:'))].sort((a, b) => b.end - b.start - (a.end - a.start))[0];
  if (render) points.push(midway(render, 'rendering'));
  const site = find((s) => s.name === 'site')[0];
  if (site) points.push(midway(site, 'site build'));
  points.push({ kind: 'failpoint', failpoint: 'manifest-write@1', aim: 'run manifest write (before the site)' });
  // then the other commits and writes, and the experiments that train nothing (longest first)
  if (analysis.length > 0) {
    points.push({ kind: 'failpoint', failpoint: `commit ${analysis[analysis.length - 1]!.name}`, aim: 'analysis: its object sealed, not yet renamed into place' });
  }
  const claims = find((s) => s.name.startsWith('claims:'))[0];
  if (claims) points.push({ kind: 'failpoint', failpoint: `commit ${claims.name}`, aim: 'claims' });
  const figure = find((s) => s.name.startsWith('figure:'))[0];
  if (figure) points.push({ kind: 'failpoint', failpoint: `commit ${figure.name}`, aim: 'figure spec' });
  points.push({ kind: 'failpoint', failpoint: 'manifest-write@2', aim: 'run manifest write (after the site)' });
  const untrained = find((s) => s.name.startsWith('experiment:') && !training.some((t) => t.span === s)).sort((a, b) => b.end - b.start - (a.end - a.start));
  for (const other of untrained) points.push(midway(other, other.name));
  // then the narrowest window of a checkpoint in each training experiment, and late epochs
  for (const { span, records } of training) {
    points.push({ kind: 'failpoint', failpoint: `checkpoint-weights ${at(records, 0.55)}`, aim: `${span.name}: between an epoch's weights and its record` });
  }
  for (const { span, records, epochMs } of training) {
    points.push({ kind: 'after', event: 'checkpoint-record', detail: at(records, 0.9), delayMs: Math.round(epochMs / 3), aim: `${span.name}: mid-epoch, late` });
  }
  return points;
}

/** `count` kill points for a run whose uninterrupted trace is `trace`. */
export function killPoints(trace: TraceLine[], count: number): KillPoint[] {
  const points = coveringPoints(trace).slice(0, count);
  const start = trace.find((l) => l.event === 'run-start')?.t ?? trace[0]?.t ?? 0;
  const end = trace[trace.length - 1]?.t ?? start;
  const extra = count - points.length;
  for (let i = 1; i <= extra; i++) {
    const delayMs = Math.round(((end - start) * i) / (extra + 1));
    points.push({ kind: 'after', event: 'run-start', delayMs, aim: `${(delayMs / 1000).toFixed(1)} s into the run` });
  }
  return points;
}

/** What was running when a run was killed, from its own trace. */
export function runningAt(trace: TraceLine[]): string {
  const frozen = trace.find((l) => l.event === 'frozen');
  const open: string[] = [];
  let site = false;
  for (const line of trace) {
    if (line.event === 'step-start') open.push(line.detail!);
    if (line.event === 'step-end') open.splice(open.indexOf(line.detail!), 1);
    if (line.event === 'site-start') site = true;
    if (line.event === 'site-end') site = false;
  }
  const parts: string[] = [...open];
  if (site) parts.push('site build');
  if (frozen) parts.push(`frozen at ${frozen.detail}`);
  else {
    const lastRecord = [...trace].reverse().find((l) => l.event === 'checkpoint-record');
    if (open.some((s) => s.startsWith('experiment:')) && lastRecord) parts.push(`last checkpoint ${lastRecord.detail}`);
  }
  if (parts.length === 0) {
    const last = trace[trace.length - 1];
    parts.push(last ? `between steps (after ${last.event}${last.detail ? ` ${last.detail}` : ''})` : 'start-up');
  }
  return parts.join(', ');
}
