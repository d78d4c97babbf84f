// The overlay chart of a changed figure: the figure's own Vega-Lite spec, drawn once with both
// runs' data, so A and B share every scale and axis.
//
// Every table the spec names (its top-level `datasets`) becomes A's rows followed by B's, each
// with a field saying which run it is from. Every mark is then told the runs apart:
//   - lines, trails and areas are split by run (A dashed, B solid);
//   - points, rules, ticks, text and bars get an opacity by run (A faint, B as drawn);
//   - cells that tile the plane (rect, image, arc, geoshape: heatmaps) would hide one run under
//     the other, so they are drawn for B only, and the note says so; A's cells are in A's image.
// Only the spec is changed, never a figure module: this works for any figure a run has.

/** The field that says which run a row is from. */
export const RUN_FIELD = 'diff_run';

type Json = Record<string, unknown>;

const PATH_MARKS = new Set(['line', 'trail', 'area']);
const TILE_MARKS = new Set(['rect', 'image', 'arc', 'geoshape']);
const COMPOSITIONS = ['layer', 'hconcat', 'vconcat', 'concat'] as const;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function markType(mark: unknown): string {
  return typeof mark === 'string' ? mark : isObject(mark) && typeof mark.type === 'string' ? mark.type : '';
}

/** A dashed, B solid, with a legend "run" (the same scale wherever it is used, so shared scales agree). */
const RUN_DASH: Json = { field: RUN_FIELD, type: 'nominal', title: 'run', scale: { domain: ['A', 'B'], range: [[4, 3], [1, 0]] } };

/** A fainter than B: a condition, not a scale, so each mark keeps its own opacity for B. */
function runOpacity(markOpacity: number, faint: number): Json {
  return { condition: { test: `datum.${RUN_FIELD} === 'A'`, value: markOpacity * faint }, value: markOpacity };
}

/** Adds the run to a unit's tooltip, if it has one, so hovering says which run a mark is from. */
function tooltipWithRun(tooltip: unknown): unknown {
  const entry = { field: RUN_FIELD, type: 'nominal', title: 'run' };
  if (Array.isArray(tooltip)) return [...tooltip, entry];
  if (isObject(tooltip) && typeof tooltip.field === 'string') return [tooltip, entry];
  return tooltip;
}

/** One unit spec, changed to tell the runs apart; `tiles` when it is drawn for B only. */
function overlayUnit(unit: Json): { unit: Json; tiles: boolean } {
  const type = markType(unit.mark);
  const encoding: Json = { ...(isObject(unit.encoding) ? unit.encoding : {}) };
  if (TILE_MARKS.has(type)) {
    return { unit: { ...unit, transform: [{ filter: { field: RUN_FIELD, equal: 'B' } }, ...((unit.transform as unknown[]) ?? [])] }, tiles: true };
  }
  const markOpacity = isObject(unit.mark) && typeof unit.mark.opacity === 'number' ? unit.mark.opacity : 1;
  if (PATH_MARKS.has(type)) {
    // detail keeps A's and B's lines apart even when the visible channel is taken
    const detail = encoding.detail === undefined ? [] : Array.isArray(encoding.detail) ? encoding.detail : [encoding.detail];
    encoding.detail = [...detail, { field: RUN_FIELD, type: 'nominal' }];
    if (encoding.strokeDash === undefined) encoding.strokeDash = RUN_DASH;
    else if (encoding.opacity === undefined) encoding.opacity = runOpacity(markOpacity, 0.4);
  } else if (encoding.opacity === undefined) {
    encoding.opacity = runOpacity(markOpacity, 0.35);
  }
  if (encoding.tooltip !== undefined) encoding.tooltip = tooltipWithRun(encoding.tooltip);
  return { unit: { ...unit, encoding }, tiles: false };
}

interface Walk {
  /** dataset name -> the mark kinds that draw it */
  usage: Map<string, Set<'tiles' | 'other'>>;
  tiles: number;
}

function dataName(node: Json, inherited: string | null): string | null {
  return isObject(node.data) && typeof node.data.name === 'string' ? node.data.name : inherited;
}

function walk(node: Json, inherited: string | null, state: Walk): Json {
  const data = dataName(node, inherited);
  if (node.mark !== undefined) {
    const { unit, tiles } = overlayUnit(node);
    if (data) {
      if (!state.usage.has(data)) state.usage.set(data, new Set());
      state.usage.get(data)!.add(tiles ? 'tiles' : 'other');
    }
    if (tiles) state.tiles++;
    return unit;
  }
  const out: Json = { ...node };
  for (const key of COMPOSITIONS) {
    if (Array.isArray(node[key])) out[key] = (node[key] as Json[]).map((child) => walk(child, data, state));
  }
  if (isObject(node.spec)) out.spec = walk(node.spec, data, state);
  return out;
}

const tag = (rows: unknown, run: 'A' | 'B'): Json[] => (Array.isArray(rows) ? rows.map((r) => ({ ...(r as Json), [RUN_FIELD]: run })) : []);

/**
 * The overlay of `b` (the spec whose layout is used) with `a`'s data; either may be the only one.
 * Tables drawn only as tiles keep B's rows alone (A's would never be drawn).
 */
export function overlaySpec(a: unknown, b: unknown): { spec: Json; note: string | null } {
  const base = (isObject(b) ? b : a) as Json;
  if (!isObject(base)) throw new Error('neither run has a spec for this figure');
  const state: Walk = { usage: new Map(), tiles: 0 };
  const spec = walk(base, null, state);
  const datasetsA = (isObject(a) && isObject(a.datasets) ? a.datasets : {}) as Json;
  const datasetsB = (isObject(b) && isObject(b.datasets) ? b.datasets : {}) as Json;
  const datasets: Json = {};
  for (const name of new Set([...Object.keys(datasetsB), ...Object.keys(datasetsA)])) {
    const usage = state.usage.get(name);
    const tilesOnly = usage !== undefined && usage.size === 1 && usage.has('tiles');
    datasets[name] = [...(tilesOnly ? [] : tag(datasetsA[name], 'A')), ...tag(datasetsB[name], 'B')];
  }
  spec.datasets = datasets;
  const note = state.tiles > 0 ? `Heatmap cells and other marks that tile the plane are drawn for B only (${state.tiles} layer${state.tiles === 1 ? '' : 's'}); A's are in A's image.` : null;
  return { spec, note };
}
