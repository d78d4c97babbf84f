// Pairing rows by key and measuring what changed, on small tables shaped like the figures' own.
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../figures/types.ts';
import { findKey } from '../../pipeline/diff/keys.ts';
import { compareTables } from '../../pipeline/diff/tables.ts';
import { EXACT } from '../../pipeline/diff/types.ts';
import type { CsvTable } from '../../pipeline/render/csv.ts';

const table = (columns: string[], rows: Cell[][]): CsvTable => ({ columns, rows });

/** Loss curves of `runs` runs over `steps` steps; `loss(run, step)` gives the value. */
function curves(runs: number, steps: number, loss: (run: number, step: number) => number): CsvTable {
  const rows: Cell[][] = [];
  for (let run = 1; run <= runs; run++) for (let step = 0; step < steps; step++) rows.push([run, step * 10, 0.1 * run, loss(run, step)]);
  return table(['run', 'step', 'x', 'loss'], rows);
}

describe('finding the key columns', () => {
  it('keeps what the figure varies on purpose and drops what was measured', () => {
    const a = curves(4, 20, (r, s) => 1 / (1 + s + r));
    const b = curves(4, 20, (r, s) => 1.1 / (1 + s + r));
    expect(findKey(a, b)).toEqual({ columns: ['run', 'step'], byOrder: false, along: 'step', series: ['run'] });
  });

  it('finds the key of a grid, even when the grid values are not whole numbers', () => {
    const grid = (f: number): CsvTable => {
      const rows: Cell[][] = [];
      for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) rows.push([-0.95 + 0.2 * i, -0.95 + 0.2 * j, f * (i + j * 0.37)]);
      return table(['x', 'y', 'loss'], rows);
    };
    expect(findKey(grid(1), grid(2)).columns).toEqual(['x', 'y']);
  });

  it('pairs rows whose order changed by their values', () => {
    const a = curves(3, 5, (r, s) => r + s);
    const b = table(a.columns, [...a.rows].reverse().map((row) => [...row.slice(0, 3), (row[3] as number) + 1]));
    expect(findKey(a, b).columns).toEqual(['run', 'step']);
  });

  it('pairs rows of tables of different lengths by the values they share', () => {
    const a = curves(3, 10, (r, s) => r * s);
    const b = curves(4, 12, (r, s) => r * s + 0.5);
    const key = findKey(a, b);
    expect(key.columns).toEqual(['run', 'step']);
    expect(key.byOrder).toBe(false);
  });

  it('falls back to position when nothing stays the same', () => {
    const a = table(['label', 'v'], [['small (0.04)', 1], ['small (0.04)', 2]]);
    const b = table(['label', 'v'], [['small (0.05)', 3], ['small (0.05)', 4]]);
    expect(findKey(a, b)).toMatchObject({ columns: [], byOrder: true, along: null });
  });

  it('does not take a measured category for a key', () => {
    // which basin a run ended in: the same two words in both runs, in other proportions
    const a = table(['outcome', 'x'], [['same', 1], ['same', 2], ['other', 3], ['same', 4]]);
    const b = table(['outcome', 'x'], [['other', 5], ['same', 6], ['other', 7], ['other', 8]]);
    expect(findKey(a, b).columns).toEqual([]);
  });
});

describe('comparing a table', () => {
  it('is the same when nothing changed', () => {
    const a = curves(2, 5, (r, s) => r + s);
    const diff = compareTables('paths', a, a, EXACT);
    expect(diff.status).toBe('same');
    expect(diff.withinTolerance).toBe(true);
  });

  it('finds an edited cell at the right row, with its old and new value', () => {
    const a = curves(5, 30, (r, s) => Math.exp(-s / 10) * r);
    const b = table(a.columns, a.rows.map((row) => [...row]));
    const edited = b.rows.findIndex((row) => row[0] === 3 && row[1] === 120)!;
    b.rows[edited]![3] = 9.5;
    const diff = compareTables('paths', a, b, EXACT);
    expect(diff.key.columns).toEqual(['run', 'step']);
    expect(diff.rows).toMatchObject({ matched: 150, added: 0, removed: 0 });
    expect(diff.values).toHaveLength(1);
    const loss = diff.values[0]!;
    expect(loss).toMatchObject({ column: 'loss', changed: 1, beyond: 1 });
    expect(loss.maxAbs?.key).toEqual({ run: 3, step: 120 });
    expect(loss.maxAbs?.a).toBeCloseTo(Math.exp(-1.2) * 3, 12);
    expect(loss.maxAbs?.b).toBe(9.5);
  });

  it('counts rows only in one run and compares the final value of each series', () => {
    const a = curves(3, 10, (r, s) => 1 / (1 + s) + r * 0.01);
    const b = curves(3, 12, (r, s) => 1 / (1 + s) + r * 0.01 - (r === 2 ? 0.05 : 0));
    const diff = compareTables('paths', a, b, EXACT);
    expect(diff.rows).toMatchObject({ a: 30, b: 36, matched: 30, added: 6, removed: 0 });
    expect(diff.examples.added[0]).toEqual({ run: 1, step: 100 });
    expect(diff.along).toBe('step');
    // final values: step 90 in A, step 110 in B
    const final = diff.finals.find((f) => f.column === 'loss')!;
    expect(final.series).toEqual({ run: 2 });
    expect(final.a).toBeCloseTo(1 / 10 + 0.02, 12);
    expect(final.b).toBeCloseTo(1 / 12 + 0.02 - 0.05, 12);
    expect(diff.withinTolerance).toBe(false);
  });

  it('applies the tolerance: abs + rel * max(|a|, |b|)', () => {
    const a = curves(2, 4, () => 1);
    const b = curves(2, 4, () => 1.001);
    expect(compareTables('t', a, b, { abs: 0, rel: 0 }).withinTolerance).toBe(false);
    expect(compareTables('t', a, b, { abs: 0.002, rel: 0 }).withinTolerance).toBe(true);
    expect(compareTables('t', a, b, { abs: 0, rel: 0.002 }).withinTolerance).toBe(true);
    const diff = compareTables('t', a, b, { abs: 0, rel: 0.0005 });
    expect(diff.values[0]).toMatchObject({ changed: 8, beyond: 8 });
    expect(diff.values[0]!.maxRel!.rel).toBeCloseTo(0.001 / 1.001, 12);
  });

  it('reports changes of text, of columns, and tables in one run only', () => {
    const a = table(['run', 'end'], [[1, 'floor'], [2, 'wall']]);
    const b = table(['run', 'end', 'extra'], [[1, 'floor'], [2, 'floor'], ]);
    const diff = compareTables('ends', a, b, EXACT);
    expect(diff.columns).toEqual({ added: ['extra'], removed: [] });
    expect(diff.values[0]).toMatchObject({ column: 'end', otherCount: 1, other: { key: { run: 2 }, a: 'wall', b: 'floor' } });
    expect(compareTables('gone', a, null, EXACT)).toMatchObject({ status: 'removed', rows: { a: 2, removed: 2 } });
    expect(compareTables('new', null, b, EXACT)).toMatchObject({ status: 'added', rows: { b: 2, added: 2 } });
  });
});
