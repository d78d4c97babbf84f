// Tables as RFC 4180 CSV.
//
// Written by hand rather than with d3-dsv: d3-dsv is only a dependency of vega, not of this
// project, so importing it would break whenever vega's dependency tree changes; and vega's public
// API reads CSV but does not write it. The format is small enough to own and test.
import type { Cell, Row } from '../../figures/types.ts';

const EOL = '\r\n';

/**
 * One field. Strings holding a comma, a double quote, CR or LF are quoted with inner quotes doubled;
 * a string with leading or trailing spaces is quoted too, so readers that trim keep it whole.
 * An empty string is written as "". Numbers use JavaScript's shortest round-trip form; null and non-finite numbers (NaN, ±Infinity,
 * which have no CSV spelling) are written as an empty field, the same value JSON gives them (null).
 */
export function csvField(value: Cell | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // an empty string is quoted so that it stays distinct from null (and a one-column row from a blank line)
  if (value === '') return '""';
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The columns of a table: every key that appears in any row, in order of first appearance, so
 * rows with missing keys (written as empty fields) do not lose columns.
 */
export function csvColumns(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** The table as CSV text: a header line, one line per row, CRLF line ends, a final CRLF. */
export function toCsv(rows: readonly Row[], columns: readonly string[] = csvColumns(rows)): string {
  if (columns.length === 0) return '';
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(Object.hasOwn(row, c) ? row[c] : null)).join(','));
  return lines.join(EOL) + EOL;
}

/** A table read back from CSV: the header and the rows as arrays of cells, in file order. */
export interface CsvTable {
  columns: string[];
  rows: Cell[][];
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** An unquoted field as the value toCsv wrote: empty -> null, numbers, true/false, else text. */
function unquotedCell(text: string): Cell {
  if (text === '') return null;
  if (NUMBER.test(text)) return Number(text);
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}

/**
 * The inverse of toCsv: RFC 4180 with quoted fields (which stay text, so "" is the empty string
 * and a quoted "12" is the text 12), CRLF or LF line ends, and an optional final line end.
 * Throws on an unterminated quote or text after a closing quote.
 */
export function parseCsv(text: string): CsvTable {
  const records: Cell[][] = [];
  let record: Cell[] = [];
  let i = 0;
  const n = text.length;
  if (n === 0) return { columns: [], rows: [] };
  while (i <= n) {
    let cell: Cell;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) throw new Error(`unterminated quoted field in row ${records.length + 1}`);
        value += text.slice(i, close);
        i = close + 1;
        if (text[i] === '"') {
          value += '"';
          i++;
        } else break;
      }
      if (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') throw new Error(`text after a closing quote in row ${records.length + 1}`);
      cell = value;
    } else {
      let end = i;
      while (end < n && text[end] !== ',' && text[end] !== '\r' && text[end] !== '\n') end++;
      cell = unquotedCell(text.slice(i, end));
      i = end;
    }
    record.push(cell);
    if (text[i] === ',') {
      i++;
      continue;
    }
    // end of a record: CRLF, LF, or the end of the text
    records.push(record);
    record = [];
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    if (i >= n) break;
  }
  const [header = [], ...rows] = records;
  return { columns: header.map((c) => (c === null ? '' : String(c))), rows };
}
