// A kill point's run started warm (`npm run chaos -- kill --warm`): its cache is a copy of the
// uninterrupted run's, less the object of the step the point lands in and of every step that
// depends on it, and less its run manifests, checkpoints, locks and temporary files.
//
// Why that is still the experiment: steps run one at a time, and a step reads only its inputs'
// objects. When the kill comes, the killed step and everything downstream of it stand exactly as
// in a cold run killed at that moment (no object, the step's own checkpoints so far); the objects
// that are there are those of steps the killed one cannot touch, byte for byte what a cold run
// makes (the same keys). The rerun then computes the killed step and its dependants, as a cold
// rerun would, and reuses the rest. A point thus costs about its step and what follows from it,
// not a whole run: what makes a 20-point campaign on `preview` fit in an hour instead of three.
import { cp, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { TraceLine } from '../../pipeline/trace.ts';
import { spans, type KillPoint } from './kill-points.ts';

/** Where a point lands in the uninterrupted run: its step (null: between steps, the site, a manifest write). */
export interface Landing {
  step: string | null;
  /** the same point, timed from its step's start where it was timed from the run's start */
  point: KillPoint;
}

/** The time of the n-th trace line with this event (and detail, when given), or null. */
function timeOf(trace: TraceLine[], event: string, detail: string | undefined, nth: number): number | null {
  const hits = trace.filter((l) => l.event === event && (detail === undefined || l.detail === detail));
  return hits[nth - 1]?.t ?? null;
}

/** `event[ detail][@n]`, as LANDSCAPE_FAILPOINT spells a point (pipeline/trace.ts). */
function parseFailpoint(text: string): { event: string; detail?: string; nth: number } {
  const at = /^(.*)@(\d+)$/.exec(text);
  const [body, nth] = at ? [at[1]!, Number(at[2])] : [text, 1];
  const space = body.indexOf(' ');
  return space < 0 ? { event: body, nth } : { event: body.slice(0, space), detail: body.slice(space + 1), nth };
}

export function landing(point: KillPoint, trace: TraceLine[]): Landing {
  let t: number | null;
  if (point.kind === 'failpoint') {
    const { event, detail, nth } = parseFailpoint(point.failpoint);
    t = timeOf(trace, event, detail, nth);
  } else {
    const base = timeOf(trace, point.event, point.detail, point.nth ?? 1);
    t = base === null ? null : base + point.delayMs;
  }
  const span = t === null ? undefined : spans(trace).find((s) => s.start <= t! && t! <= s.end);
  if (!span || span.name === 'site') return { step: null, point };
  // a point timed from the start of the run is timed from its step's start instead
  const anchored: KillPoint =
    point.kind === 'after' && point.event === 'run-start' ? { ...point, event: 'step-start', detail: span.name, delayMs: Math.round(t! - span.start) } : point;
  return { step: span.name, point: anchored };
}

/**
 * Copies the reference cache to `target` without the objects of `step` and its dependants (read
 * from the objects' own manifests: each names its inputs' keys). Returns the steps left out.
 */
export async function warmCache(referenceCache: string, runId: string, step: string | null, target: string): Promise<string[]> {
  const run = JSON.parse(await readFile(join(referenceCache, 'runs', `${runId}.json`), 'utf8')) as { steps: Array<{ name: string; key: string }> };
  const keyOf = new Map(run.steps.map((s) => [s.name, s.key]));
  const dependants = new Map<string, string[]>();
  for (const { name, key } of run.steps) {
    // a step the run only looked up (`--only`: not needed for its figures) may have no object
    const text = await readFile(join(referenceCache, 'objects', key.slice(0, 2), key, 'manifest.json'), 'utf8').catch(() => null);
    if (text === null) continue;
    const manifest = JSON.parse(text) as { components: { inputs: Record<string, string> } };
    for (const input of Object.keys(manifest.components.inputs)) dependants.set(input, [...(dependants.get(input) ?? []), name]);
  }
  const left = new Set<string>();
  const queue = step ? [step] : [];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (left.has(name)) continue;
    left.add(name);
    queue.push(...(dependants.get(name) ?? []));
  }
  const leftKeys = new Set([...left].map((name) => keyOf.get(name)));
  await cp(referenceCache, target, {
    recursive: true,
    filter: (source) => {
      const parts = relative(referenceCache, source).split(sep);
      if (['runs', 'locks', 'tmp', 'scratch'].includes(parts[0]!)) return false;
      return !(parts[0] === 'objects' && parts.length >= 3 && leftKeys.has(parts[2]));
    },
  });
  return [...left];
}
