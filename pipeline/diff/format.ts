// Words and numbers for every report of a diff (terminal, Markdown, HTML, the site), so they all
// say the same thing the same way.
import type { Cell } from '../../figures/types.ts';
import type { ClaimDiff, ColumnDiff, FigureDiff, FinalValue, RowKey, RunDiff, TableDiff, Tolerance } from './types.ts';

/** A number in at most 4 significant digits (exponent form when very small or large). */
export function num(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e6) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

export function signed(value: number | null): string {
  if (value === null) return '-';
  return value > 0 ? `+${num(value)}` : num(value);
}

export function cell(value: Cell): string {
  if (value === null) return '(empty)';
  if (typeof value === 'number') return num(value);
  return String(value);
}

/** A setting's value for reading: SHA-256 hashes cut to their first 12 digits. */
export function shortValue(value: string): string {
  return /^[0-9a-f]{64}$/.test(value) ? `${value.slice(0, 12)}…` : value;
}

export function share(value: number): string {
  if (value === 0) return '0%';
  if (value < 0.0001) return '<0.01%';
  return `${Number((value * 100).toPrecision(3))}%`;
}

/** `run=3, step=120`; a row paired by position is `row 5`. */
export function rowKey(key: RowKey): string {
  const entries = Object.entries(key);
  if (entries.length === 1 && entries[0]![0] === '#') return `row ${entries[0]![1]}`;
  return entries.map(([k, v]) => (k === '#' ? `#${v}` : `${k}=${cell(v)}`)).join(', ');
}

export function tolerance(t: Tolerance): string {
  const parts = t.abs === 0 && t.rel === 0 ? ['exact'] : [`abs ${num(t.abs)}`, `rel ${num(t.rel)}`];
  if (t.pixels !== undefined) parts.push(`pixels ${share(t.pixels)}`);
  return parts.join(', ');
}

/** How a table's rows were paired, in words. */
export function pairing(t: TableDiff): string {
  if (t.key.columns.length === 0) return 'paired by position';
  return `paired by ${t.key.columns.join(', ')}${t.key.byOrder ? ' (then by order)' : ''}`;
}

/** One line per changed value column: where it changed most. */
export function columnLine(c: ColumnDiff): string {
  const parts = [`${c.changed} changed${c.beyond !== c.changed ? ` (${c.beyond} beyond tolerance)` : ''}`];
  if (c.maxAbs) parts.push(`max |Δ| ${num(c.maxAbs.abs)} at ${rowKey(c.maxAbs.key)} (${cell(c.maxAbs.a)} -> ${cell(c.maxAbs.b)})`);
  if (c.maxRel && c.maxRel.rel > 0) parts.push(`max rel ${num(c.maxRel.rel)}${c.maxRel.key !== c.maxAbs?.key ? ` at ${rowKey(c.maxRel.key)}` : ''}`);
  if (c.other) parts.push(`${c.otherCount} other change${c.otherCount === 1 ? '' : 's'}, e.g. at ${rowKey(c.other.key)} (${cell(c.other.a)} -> ${cell(c.other.b)})`);
  return `${c.column}: ${parts.join('; ')}`;
}

export function finalLine(f: FinalValue): string {
  const where = Object.keys(f.series).length ? ` (${rowKey(f.series)})` : '';
  return `final ${f.column}${where}: ${cell(f.a)} -> ${cell(f.b)}${f.delta !== null ? ` (${signed(f.delta)})` : ''}`;
}

/** The headline of a table's diff: rows and how they were paired. */
export function tableHead(t: TableDiff): string {
  if (t.status === 'added') return `${t.table}: only in B (${t.rows.b} rows)`;
  if (t.status === 'removed') return `${t.table}: only in A (${t.rows.a} rows)`;
  const rows = [`${t.rows.matched} rows ${pairing(t)}`];
  if (t.rows.removed) rows.push(`${t.rows.removed} only in A, e.g. ${t.examples.removed.map(rowKey).join('; ')}`);
  if (t.rows.added) rows.push(`${t.rows.added} only in B, e.g. ${t.examples.added.map(rowKey).join('; ')}`);
  if (t.columns.removed.length) rows.push(`columns only in A: ${t.columns.removed.join(', ')}`);
  if (t.columns.added.length) rows.push(`columns only in B: ${t.columns.added.join(', ')}`);
  return `${t.table}: ${rows.join('; ')}`;
}

/** Every line about a table: its head, then one line per changed column and final value. */
export function tableLines(t: TableDiff): { head: string; lines: string[] } {
  return { head: tableHead(t), lines: [...t.values.map(columnLine), ...t.finals.map(finalLine)] };
}

/** The largest change of a figure, in a few words (for the summary tables). */
export function largestChange(f: FigureDiff): string {
  if (f.verdict === 'identical') return '';
  if (f.verdict !== 'data changed' && f.verdict !== 'rendering changed') return `A: ${f.status.a}; B: ${f.status.b}`;
  if (f.verdict === 'rendering changed') return `files: ${f.filesChanged.join(', ')}`;
  let best: { text: string; rel: number } | null = null;
  for (const t of f.tables) {
    if (t.status !== 'changed') {
      best ??= { text: tableHead(t), rel: Number.POSITIVE_INFINITY };
      continue;
    }
    for (const c of t.values) {
      const rel = c.maxRel?.rel ?? (c.otherCount ? 1 : 0);
      if (!best || rel > best.rel) {
        const text = c.maxAbs ? `${t.table}.${c.column} |Δ| ${num(c.maxAbs.abs)} (rel ${num(c.maxAbs.rel)}) at ${rowKey(c.maxAbs.key)}` : `${t.table}.${c.column}: ${c.otherCount} values changed`;
        best = { text, rel };
      }
    }
    if (!best && (t.rows.added || t.rows.removed)) best = { text: `${t.table}: ${t.rows.removed} rows only in A, ${t.rows.added} only in B`, rel: 0 };
  }
  return best?.text ?? '';
}

export function pixelsText(f: FigureDiff): string {
  if (!f.pixels) return '';
  if (f.pixels.width === 0) return 'same picture';
  return `${share(f.pixels.share)}${f.pixels.sizeChanged ? ', size changed' : ''}`;
}

/** The pixel diff in a sentence. */
export function pixelsLine(f: FigureDiff): string | null {
  const p = f.pixels;
  if (!p || p.width === 0) return null;
  return `pixels: ${share(p.share)} of ${p.width} x ${p.height} differ${p.sizeChanged ? ' (the sizes differ: compared on the larger canvas, padded with white)' : ''}`;
}

export function claimLine(c: ClaimDiff): string {
  const status = c.change === 'numbers changed' ? `still ${c.status.b}` : `${c.status.a ?? '(absent)'} -> ${c.status.b ?? '(absent)'}`;
  const numbers = c.numbers.map((n) => `${n.name} ${num(n.a)} -> ${num(n.b)}${n.delta !== null ? ` (${signed(n.delta)})` : ''}`).join(', ');
  return `${c.id} [${c.change}] ${status}${numbers ? `; ${numbers}` : ''} (${c.figures.join(', ')})`;
}

/** Counts of each verdict, e.g. `4 identical, 2 data changed`. */
export function verdictCounts(diff: RunDiff): string {
  const counts = new Map<string, number>();
  for (const f of diff.figures) counts.set(f.verdict, (counts.get(f.verdict) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n} ${v}`).join(', ') || 'no figures';
}

/** The closing line: how many figures, what happened, and whether it is within tolerance. */
export function conclusion(diff: RunDiff): string {
  const beyond = diff.figures.filter((f) => !f.withinTolerance).length;
  const claims = diff.claims.filter((c) => !c.withinTolerance).length;
  const what = diff.withinTolerance ? 'within tolerance' : `beyond tolerance: ${[beyond && `${beyond} figure${beyond === 1 ? '' : 's'}`, claims && `${claims} claim${claims === 1 ? '' : 's'}`].filter(Boolean).join(' and ')}`;
  return `${diff.figures.length} figures compared: ${verdictCounts(diff)}; ${what} (${tolerance(diff.tolerance)})`;
}

export function runLine(label: 'A' | 'B', diff: RunDiff): string {
  const r = diff[label === 'A' ? 'a' : 'b'];
  const extras = [`profile ${r.profile}`, r.status !== 'ok' ? `status ${r.status}` : '', r.overrides ? `with ${r.overrides}` : ''].filter(Boolean).join(', ');
  return `${label}  ${r.id}  (${extras}; ${r.from})`;
}
