import { describe, expect, it } from 'vitest';
import { roundGeometry } from '../../pipeline/render/svg.ts';

describe('SVG geometry rounding', () => {
  it('rounds path data and transforms to a thousandth of a pixel, and leaves text alone', () => {
    const svg =
      '<svg><path d="M-0.524999999999994,207.375h3.1499999999999897v-0.00000001Z" fill="red"/>' +
      '<g transform="translate(12.34567891,0.5)"><text x="1.23456">0.123456789</text></g></svg>';
    expect(roundGeometry(svg)).toBe(
      '<svg><path d="M-0.525,207.375h3.15v0Z" fill="red"/>' + '<g transform="translate(12.346,0.5)"><text x="1.23456">0.123456789</text></g></svg>',
    );
  });
});

describe('spec formatting', () => {
  it('writes one data row per line and parses back to the same spec', async () => {
    const { formatSpec } = await import('../../pipeline/render/index.ts');
    const spec = { $schema: 'x', mark: 'point', data: { name: 't' }, datasets: { t: [{ a: 1, b: 'x' }, { a: 2, b: null }], u: [] } };
    const text = formatSpec(spec as never);
    expect(JSON.parse(text)).toEqual(spec);
    expect(text).toContain('\n      {"a":1,"b":"x"},\n      {"a":2,"b":null}\n');
    expect(JSON.parse(formatSpec({ mark: 'bar' } as never))).toEqual({ mark: 'bar' });
  });
});
