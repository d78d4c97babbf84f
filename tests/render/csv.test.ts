import { describe, expect, it } from 'vitest';
import type { Row } from '../../figures/types.ts';
import { csvColumns, csvField, toCsv } from '../../pipeline/render/csv.ts';

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
