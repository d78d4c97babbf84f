// What a comparison of two runs finds: the shapes every part of the diff fills in and every
// report writer (terminal, Markdown, HTML, the site's diff page) reads. Plain JSON throughout,
// so a diff can be written to a file and shown later.
import type { Cell } from '../../figures/types.ts';
import type { ClaimStatus } from '../claims/types.ts';

/**
 * How far two numbers may be apart and still count as the same: |a - b| <= abs + rel * max(|a|, |b|).
 * `pixels`: the share of pixels that may differ in a figure whose data is the same; undefined means
 * none may (a rendering change is then always beyond tolerance).
 */
export interface Tolerance {
  abs: number;
  rel: number;
  pixels?: number;
}

export const EXACT: Tolerance = { abs: 0, rel: 0 };

export function withinTolerance(a: number, b: number, tolerance: Tolerance): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= tolerance.abs + tolerance.rel * Math.max(Math.abs(a), Math.abs(b));
}

/** |a - b| relative to the larger magnitude (0 when both are 0). */
export function relativeDifference(a: number, b: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale === 0 ? 0 : Math.abs(a - b) / scale;
}

/** A row's key as column -> value (for a row matched by position: `#` -> its row number). */
export type RowKey = Record<string, Cell>;

/** One cell of a value column in both runs. */
export interface CellChange {
  key: RowKey;
  a: Cell;
  b: Cell;
}

/** The changes of one value column of a table, over the rows both runs have. */
export interface ColumnDiff {
  column: string;
  /** cells that differ at all */
  changed: number;
  /** cells that differ by more than the tolerance */
  beyond: number;
  /** the largest |b - a| of numeric cells, where it is, and the relative difference there */
  maxAbs: (CellChange & { abs: number; rel: number }) | null;
  /** the largest relative difference of numeric cells, and where */
  maxRel: (CellChange & { abs: number; rel: number }) | null;
  /** a cell whose value changed in kind (text, empty, true/false): the first such */
  other: CellChange | null;
  /** cells changed in kind (not two numbers) */
  otherCount: number;
}

/** The last value of a series in each run (by the series' last key column) and their difference. */
export interface FinalValue {
  column: string;
  series: RowKey;
  a: Cell;
  b: Cell;
  /** b - a when both are numbers */
  delta: number | null;
}

export interface TableDiff {
  /** the table's name (its CSV file without .csv) */
  table: string;
  status: 'same' | 'changed' | 'added' | 'removed';
  rows: { a: number; b: number; matched: number; added: number; removed: number };
  /**
   * The columns that pair rows: the key found for this table; `byOrder` when the key does not
   * identify every row, so rows with equal keys are paired in the order they come.
   */
  key: { columns: string[]; byOrder: boolean };
  /** the key column that orders a series (its last values are its final values), if any */
  along: string | null;
  /** the other key columns: each combination of their values is one series */
  series: string[];
  columns: { added: string[]; removed: string[] };
  /** value columns with any change, largest change first */
  values: ColumnDiff[];
  /** per value column, the series whose final value moved most */
  finals: FinalValue[];
  /** a few keys of rows only in A and only in B */
  examples: { removed: RowKey[]; added: RowKey[] };
  withinTolerance: boolean;
}

export interface PixelDiff {
  width: number;
  height: number;
  /** pixels that differ, and their share of the compared area */
  differing: number;
  share: number;
  /** the sizes differ: the smaller image is compared as if padded with white */
  sizeChanged: boolean;
}

/** What the HTML report and the site show of a changed figure, besides the numbers. */
export interface FigureVisual {
  /** PNG bytes of each run's figure (null when that run has none) */
  a: Uint8Array | null;
  b: Uint8Array | null;
  /** PNG that highlights the differing pixels (red) on a faded copy of B */
  highlight: Uint8Array | null;
  /** the figure's Vega-Lite spec with both runs' data layered on the same scales (see overlay.ts) */
  overlay: unknown;
  /** what the overlay cannot show of both runs (e.g. heatmap cells, drawn for B only) */
  overlayNote: string | null;
}

export type FigureVerdict = 'identical' | 'data changed' | 'rendering changed' | 'added' | 'removed' | 'missing in one run';

export interface FigureDiff {
  id: string;
  title: string;
  verdict: FigureVerdict;
  withinTolerance: boolean;
  /** for added / removed / missing in one run: what each run says about it */
  status: { a: string; b: string };
  /** tables that differ (or exist in one run only); empty when the data is the same */
  tables: TableDiff[];
  /** the files whose bytes differ (spec.vl.json, figure.svg, figure.png, CSVs) */
  filesChanged: string[];
  pixels: PixelDiff | null;
  /** claims about this figure whose result or numbers changed */
  claims: string[];
  /** filled only when the report shows pictures (HTML, the site) */
  visual?: FigureVisual;
  /** things the reader should know (a file that does not match its recorded hash, ...) */
  notes: string[];
}

export interface ClaimDiff {
  id: string;
  statement: string;
  figures: string[];
  /** 'pass -> fail' first in every report */
  change: 'pass -> fail' | 'fail -> pass' | 'status changed' | 'numbers changed' | 'added' | 'removed';
  status: { a: ClaimStatus | null; b: ClaimStatus | null };
  numbers: Array<{ name: string; a: number | null; b: number | null; delta: number | null; rel: number | null }>;
  withinTolerance: boolean;
}

/** One setting that differs between the two runs' manifests. */
export interface SettingChange {
  group: 'overrides' | 'profile' | 'seed' | 'code' | 'engine' | 'data' | 'environment';
  name: string;
  a: string;
  b: string;
}

export interface RunSummary {
  /** the name it was given on the command line */
  name: string;
  id: string;
  /** where it was read from: a cache or a site folder */
  from: string;
  profile: string;
  status: string;
  startedAt: string;
  overrides: string;
}

export interface RunDiff {
  a: RunSummary;
  b: RunSummary;
  tolerance: Tolerance;
  /** the figures compared (--only), or null for all */
  only: string[] | null;
  settings: SettingChange[];
  figures: FigureDiff[];
  /** figures that neither run has built (listed by count, not compared) */
  missingInBoth: string[];
  claims: ClaimDiff[];
  withinTolerance: boolean;
  seconds: number;
}
