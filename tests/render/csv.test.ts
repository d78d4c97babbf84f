import { describe, expect, it } from 'vitest';
import type { Row } from '../../figures/types.ts';
import { csvColumns, csvField, parseCsv, toCsv } from '../../pipeline/render/csv.ts';

describe('CSV (RFC 4180)', () => {
  it('quotes fields with commas, quotes and line breaks, doubling inner quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' padded ')).toBe('" padded "');
    expect(csvField('')).toBe('""');
  });

  it('writes numbers in round-trip form, booleans as words, null and non-finite as empty', () => {
    expect(csvField(0.1)).toBe('0.1');
    expect(csvField(-3)).toBe('-3');
    expect(csvField(1e-7)).toBe('1e-7');
    expect(Number(csvField(Math.PI))).toBe(Math.PI);
    expect(csvField(true)).toBe('true');
    expect(csvField(false)).toBe('false');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(Number.POSITIVE_INFINITY)).toBe('');
  });

  it('writes a header and CRLF-terminated rows, keeping columns that only some rows have', () => {
    const rows: Row[] = [
      { epoch: 0, label: 'NaN', error: null },
      { epoch: 1, label: 'a, "b"', error: 0.25, extra: true },
    ];
    expect(csvColumns(rows)).toEqual(['epoch', 'label', 'error', 'extra']);
    expect(toCsv(rows)).toBe('epoch,label,error,extra\r\n0,NaN,,\r\n1,"a, ""b""",0.25,true\r\n');
  });

  it('does not read inherited properties as cells, and handles odd column names', () => {
    const rows: Row[] = [{ toString: 'x', 'a,b': 1 }, { other: 2 }];
    expect(toCsv(rows)).toBe('toString,"a,b",other\r\nx,1,\r\n,,2\r\n');
  });

  it('writes nothing for a table with no columns, and a header for explicit columns', () => {
    expect(toCsv([])).toBe('');
    expect(toCsv([], ['x', 'y'])).toBe('x,y\r\n');
  });
});

describe('reading CSV back', () => {
  it('reads what toCsv wrote: numbers, booleans, empty fields, quoted text with commas, quotes and line breaks', () => {
    const rows: Row[] = [
      { x: -0.5, label: 'a, "quoted"\ntext', ok: true, missing: null, blank: '' },
      { x: 1e-7, label: 'plain', ok: false, missing: 3, blank: ' padded ' },
    ];
    const table = parseCsv(toCsv(rows));
    expect(table.columns).toEqual(['x', 'label', 'ok', 'missing', 'blank']);
    expect(table.rows).toEqual([
      [-0.5, 'a, "quoted"\ntext', true, null, ''],
      [1e-7, 'plain', false, 3, ' padded '],
    ]);
  });

  it('accepts LF line ends and a missing final line end, and rejects broken quoting', () => {
    expect(parseCsv('a,b\n1,x\n2,y')).toEqual({ columns: ['a', 'b'], rows: [[1, 'x'], [2, 'y']] });
    expect(parseCsv('')).toEqual({ columns: [], rows: [] });
    expect(() => parseCsv('a\n"open')).toThrow(/unterminated/);
    expect(() => parseCsv('a\n"x"y')).toThrow(/after a closing quote/);
  });
});
