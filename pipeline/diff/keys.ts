// Which columns pair the rows of a table in run A with those in run B.
//
// Figures' tables name no key, and rows must be paired by what they stand for (run 3 at step
// 120, the cell at x, y), not by their position, so the key is found from the two tables:
//   1. Candidates are the columns that hold the same values in both runs: first those equal
//      value for value at the same positions (when both have as many rows); then those with the
//      same values in another order (same count of each value); with different row counts (a
//      run with more epochs, say), those whose distinct values mostly coincide (90% of the
//      smaller set). Measured values (a loss, a coordinate after training, which basin a run
//      ended in) differ between runs and drop out; what the figure varies on purpose (runs,
//      steps, grid points, curve names) stays.
//   2. Candidates are taken in this order: text and whole numbers before other numbers, then
//      fewer distinct values first, and each is added only if it tells more rows apart. This
//      stops at the first set that identifies every row in both runs; then any column the
//      others make redundant is dropped. The key is reported in the table's column order.
//   3. If no candidates identify every row, the first set found pairs rows and rows with equal
//      keys are paired in the order they come (`byOrder`); with no candidate at all, rows pair
//      by position.
// A series is what the rows of one key value but the last column trace over time: when a key
// column counts time (step, epoch, iteration, round), the other key columns name the series and
// the last row of each is its final value (run 3's loss at its last step).
// A hand-edited cell changes one column in one row, so that column stops being a candidate
// and the edited row is paired with its counterpart and reported as a changed value.
import type { Cell } from '../../figures/types.ts';
import type { CsvTable } from '../render/csv.ts';

export interface TableKey {
  columns: string[];
  /** the key does not identify every row: rows with equal keys pair in order */
  byOrder: boolean;
  /** the key column a series runs along (a whole-number column: step, epoch, ...) */
  along: string | null;
  /** the other key columns: each combination of their values is one series */
  series: string[];
}

/** A cell as a string that keeps numbers and text apart (1 and "1"). */
export function cellToken(cell: Cell): string {
  return typeof cell === 'string' ? `s${cell}` : String(cell);
}

function column(table: CsvTable, name: string): Cell[] {
  const index = table.columns.indexOf(name);
  return table.rows.map((row) => row[index] ?? null);
}

function samePositions(a: Cell[], b: Cell[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameCounts(a: Cell[], b: Cell[]): boolean {
  const counts = new Map<Cell, number>();
  for (const v of a) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const v of b) {
    const n = counts.get(v);
    if (!n) return false;
    counts.set(v, n - 1);
  }
  return true;
}

function mostlyOverlapping(a: Cell[], b: Cell[]): boolean {
  const setA = new Set(a);
  const setB = new Set(b);
  let shared = 0;
  for (const v of setA) if (setB.has(v)) shared++;
  return shared >= 0.9 * Math.min(setA.size, setB.size) && shared > 0;
}

class KeySearch {
  /** per column, each row's value as a small number (equal values, equal numbers; A and B share them) */
  private readonly ids = new Map<string, { a: Int32Array; b: Int32Array; count: number }>();
  constructor(
    private readonly a: CsvTable,
    private readonly b: CsvTable,
  ) {}

  private valueIds(name: string): { a: Int32Array; b: Int32Array; count: number } {
    let cached = this.ids.get(name);
    if (!cached) {
      // a Map tells 1 from "1" and null from both, so cells are their own keys
      const numbering = new Map<Cell, number>();
      const number = (cells: Cell[]): Int32Array =>
        Int32Array.from(cells, (cell) => {
          let id = numbering.get(cell);
          if (id === undefined) numbering.set(cell, (id = numbering.size));
          return id;
        });
      const a = number(column(this.a, name));
      const b = number(column(this.b, name));
      cached = { a, b, count: numbering.size };
      this.ids.set(name, cached);
    }
    return cached;
  }

  /** distinct key tuples in A and in B: rows are grouped column by column, as numbers */
  distinct(names: string[]): [number, number] {
    const count = (side: 'a' | 'b', rows: number): number => {
      let groups = new Int32Array(rows);
      let size = rows > 0 ? 1 : 0;
      for (const name of names) {
        const values = this.valueIds(name);
        const column = values[side];
        const renumber = new Map<number, number>();
        const next = new Int32Array(rows);
        for (let r = 0; r < rows; r++) {
          // below 2^53: groups and values are at most a few million each
          const combined = groups[r]! * values.count + column[r]!;
          let id = renumber.get(combined);
          if (id === undefined) renumber.set(combined, (id = renumber.size));
          next[r] = id;
        }
        groups = next;
        size = renumber.size;
      }
      return size;
    };
    return [count('a', this.a.rows.length), count('b', this.b.rows.length)];
  }

  unique(names: string[]): boolean {
    const [a, b] = this.distinct(names);
    return a === this.a.rows.length && b === this.b.rows.length;
  }

  /** Greedy search in candidate order, then redundant columns dropped; `unique` says if it identifies every row. */
  search(candidates: string[]): { columns: string[]; unique: boolean } {
    const key: string[] = [];
    // the empty key tells nothing apart: one tuple per table
    let [seenA, seenB] = [1, 1];
    const rowsA = this.a.rows.length;
    const rowsB = this.b.rows.length;
    for (const name of candidates) {
      if (key.length > 0 && seenA === rowsA && seenB === rowsB) break;
      const [a, b] = this.distinct([...key, name]);
      if (a > seenA || b > seenB) {
        key.push(name);
        [seenA, seenB] = [a, b];
      }
    }
    const unique = key.length > 0 && seenA === rowsA && seenB === rowsB;
    if (unique) {
      for (const name of [...key]) {
        const without = key.filter((k) => k !== name);
        if (without.length > 0 && this.unique(without)) key.splice(key.indexOf(name), 1);
      }
    }
    return { columns: key, unique };
  }
}

function order(a: CsvTable, b: CsvTable, names: string[]): string[] {
  const info = names.map((name, position) => {
    const cells = [...column(a, name), ...column(b, name)];
    const discrete = cells.every((c) => c === null || typeof c !== 'number' || Number.isInteger(c));
    return { name, position, discrete, distinct: new Set(cells).size };
  });
  info.sort((x, y) => Number(y.discrete) - Number(x.discrete) || x.distinct - y.distinct || x.position - y.position);
  return info.map((i) => i.name);
}

/** Key columns that count time: their last value ends a series. */
const TIME = /^(?:step|epoch|iteration|iter|round|generation|time)s?$/i;

/** The series of a key: the last whole-number key column that counts time, and the others. */
function seriesOf(a: CsvTable, b: CsvTable, columns: string[]): { along: string | null; series: string[] } {
  const along = [...columns].reverse().find((name) => TIME.test(name) && [...column(a, name), ...column(b, name)].every((c) => typeof c === 'number' && Number.isInteger(c))) ?? null;
  return { along, series: columns.filter((c) => c !== along) };
}

export function findKey(a: CsvTable, b: CsvTable): TableKey {
  const shared = a.columns.filter((c) => b.columns.includes(c));
  if (a.rows.length === 0 || b.rows.length === 0 || shared.length === 0) return { columns: [], byOrder: true, along: null, series: [] };
  const search = new KeySearch(a, b);
  const sameSize = a.rows.length === b.rows.length;
  const samePlaces = sameSize ? shared.filter((c) => samePositions(column(a, c), column(b, c))) : [];
  const sameValues = sameSize ? shared.filter((c) => sameCounts(column(a, c), column(b, c))) : shared.filter((c) => mostlyOverlapping(column(a, c), column(b, c)));

  // the key is reported in the table's own column order
  const inTableOrder = (columns: string[]): string[] => shared.filter((c) => columns.includes(c));
  let best: string[] | null = null;
  for (const candidates of [samePlaces, sameValues]) {
    if (candidates.length === 0) continue;
    const found = search.search(order(a, b, candidates));
    const columns = inTableOrder(found.columns);
    if (found.unique) return { columns, byOrder: false, ...seriesOf(a, b, columns) };
    best ??= columns;
  }
  return { columns: best ?? [], byOrder: true, ...seriesOf(a, b, best ?? []) };
}
