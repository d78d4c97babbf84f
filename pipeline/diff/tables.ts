// One table of a figure in two runs: rows paired by their key (keys.ts), then every value column
// compared over the paired rows (largest absolute and relative difference, and where), rows only
// in one run counted, and the final value of each series compared.
import type { Cell } from '../../figures/types.ts';
import type { CsvTable } from '../render/csv.ts';
import { cellToken, findKey, type TableKey } from './keys.ts';
import { relativeDifference, withinTolerance, type ColumnDiff, type FinalValue, type RowKey, type TableDiff, type Tolerance } from './types.ts';

/** How many keys of rows only in one run a diff keeps as examples. */
const EXAMPLES = 3;

interface Keyed {
  /** row key string -> row index */
  index: Map<string, number>;
  keys: string[];
}

function keyed(table: CsvTable, key: TableKey): Keyed {
  const positions = key.columns.map((c) => table.columns.indexOf(c));
  const index = new Map<string, number>();
  const keys: string[] = [];
  const seen = new Map<string, number>();
  table.rows.forEach((row, r) => {
    let k = positions.map((p) => cellToken(row[p] ?? null)).join('\u001f');
    if (key.byOrder) {
      const n = (seen.get(k) ?? 0) + 1;
      seen.set(k, n);
      k = `${k}#${n}`;
    }
    index.set(k, r);
    keys.push(k);
  });
  return { index, keys };
}

function rowKey(table: CsvTable, r: number, key: TableKey, occurrence: string): RowKey {
  const out: RowKey = {};
  for (const c of key.columns) out[c] = table.rows[r]![table.columns.indexOf(c)] ?? null;
  if (key.byOrder) out['#'] = Number(occurrence.slice(occurrence.lastIndexOf('#') + 1));
  return out;
}

function cellOf(table: CsvTable, r: number, column: string): Cell {
  return table.rows[r]![table.columns.indexOf(column)] ?? null;
}

function compareColumn(a: CsvTable, b: CsvTable, pairs: Array<[number, number, string]>, key: TableKey, name: string, tolerance: Tolerance): ColumnDiff {
  const ia = a.columns.indexOf(name);
  const ib = b.columns.indexOf(name);
  const diff: ColumnDiff = { column: name, changed: 0, beyond: 0, maxAbs: null, maxRel: null, other: null, otherCount: 0 };
  for (const [ra, rb, k] of pairs) {
    const va = a.rows[ra]![ia] ?? null;
    const vb = b.rows[rb]![ib] ?? null;
    if (va === vb) continue;
    diff.changed++;
    if (typeof va === 'number' && typeof vb === 'number') {
      const abs = Math.abs(vb - va);
      const rel = relativeDifference(va, vb);
      if (!withinTolerance(va, vb, tolerance)) diff.beyond++;
      if (!diff.maxAbs || abs > diff.maxAbs.abs) diff.maxAbs = { key: rowKey(a, ra, key, k), a: va, b: vb, abs, rel };
      if (!diff.maxRel || rel > diff.maxRel.rel) diff.maxRel = { key: rowKey(a, ra, key, k), a: va, b: vb, abs, rel };
    } else {
      diff.beyond++;
      diff.otherCount++;
      diff.other ??= { key: rowKey(a, ra, key, k), a: va, b: vb };
    }
  }
  return diff;
}

/** Each series' last row (largest `along`) in one run, by the series' key string. */
function lastRows(table: CsvTable, key: TableKey): Map<string, number> {
  const out = new Map<string, number>();
  if (!key.along) return out;
  const along = table.columns.indexOf(key.along);
  const series = key.series.map((c) => table.columns.indexOf(c));
  table.rows.forEach((row, r) => {
    const s = series.map((p) => cellToken(row[p] ?? null)).join('\u001f');
    const current = out.get(s);
    if (current === undefined || (row[along] as number) >= (table.rows[current]![along] as number)) out.set(s, r);
  });
  return out;
}

/** Per value column, the series whose final value moved most (only columns where one moved). */
function finalValues(a: CsvTable, b: CsvTable, key: TableKey, columns: string[]): FinalValue[] {
  if (!key.along) return [];
  const lastA = lastRows(a, key);
  const lastB = lastRows(b, key);
  const out: FinalValue[] = [];
  for (const column of columns) {
    let worst: FinalValue | null = null;
    for (const [s, ra] of lastA) {
      const rb = lastB.get(s);
      if (rb === undefined) continue;
      const va = cellOf(a, ra, column);
      const vb = cellOf(b, rb, column);
      if (va === vb) continue;
      const delta = typeof va === 'number' && typeof vb === 'number' ? vb - va : null;
      const size = delta === null ? Number.POSITIVE_INFINITY : Math.abs(delta);
      const worstSize = worst ? (worst.delta === null ? Number.POSITIVE_INFINITY : Math.abs(worst.delta)) : -1;
      if (size > worstSize) {
        const series: RowKey = {};
        for (const c of key.series) series[c] = cellOf(a, ra, c);
        worst = { column, series, a: va, b: vb, delta };
      }
    }
    if (worst) out.push(worst);
  }
  return out;
}

function oneSided(table: string, status: 'added' | 'removed', rows: CsvTable): TableDiff {
  const n = rows.rows.length;
  return {
    table,
    status,
    rows: { a: status === 'removed' ? n : 0, b: status === 'added' ? n : 0, matched: 0, added: status === 'added' ? n : 0, removed: status === 'removed' ? n : 0 },
    key: { columns: [], byOrder: false },
    along: null,
    series: [],
    columns: { added: status === 'added' ? rows.columns : [], removed: status === 'removed' ? rows.columns : [] },
    values: [],
    finals: [],
    examples: { removed: [], added: [] },
    withinTolerance: false,
  };
}

/** The comparison of one table; `a` or `b` null when only one run has the table. */
export function compareTables(table: string, a: CsvTable | null, b: CsvTable | null, tolerance: Tolerance): TableDiff {
  if (!a && !b) throw new Error(`table ${table} is in neither run`);
  if (!a) return oneSided(table, 'added', b!);
  if (!b) return oneSided(table, 'removed', a);
  const key = findKey(a, b);
  const ka = keyed(a, key);
  const kb = keyed(b, key);
  const pairs: Array<[number, number, string]> = [];
  const added: RowKey[] = [];
  let addedCount = 0;
  kb.keys.forEach((k, rb) => {
    const ra = ka.index.get(k);
    if (ra !== undefined) pairs.push([ra, rb, k]);
    else if (addedCount++ < EXAMPLES) added.push(rowKey(b, rb, key, k));
  });
  const removed: RowKey[] = [];
  let removedCount = 0;
  ka.keys.forEach((k, ra) => {
    if (kb.index.has(k)) return;
    if (removedCount++ < EXAMPLES) removed.push(rowKey(a, ra, key, k));
  });

  const valueColumns = a.columns.filter((c) => b.columns.includes(c) && !key.columns.includes(c));
  const values = valueColumns
    .map((c) => compareColumn(a, b, pairs, key, c, tolerance))
    .filter((d) => d.changed > 0)
    .sort((x, y) => (y.maxRel?.rel ?? (y.otherCount ? 1 : 0)) - (x.maxRel?.rel ?? (x.otherCount ? 1 : 0)));
  const columns = { added: b.columns.filter((c) => !a.columns.includes(c)), removed: a.columns.filter((c) => !b.columns.includes(c)) };
  const changed = addedCount + removedCount + columns.added.length + columns.removed.length + values.length > 0;
  return {
    table,
    status: changed ? 'changed' : 'same',
    rows: { a: a.rows.length, b: b.rows.length, matched: pairs.length, added: addedCount, removed: removedCount },
    key: { columns: key.columns, byOrder: key.byOrder },
    along: key.along,
    series: key.series,
    columns,
    values,
    finals: finalValues(a, b, key, valueColumns),
    examples: { removed, added },
    withinTolerance: addedCount + removedCount + columns.added.length + columns.removed.length === 0 && values.every((v) => v.beyond === 0),
  };
}
