import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { AssembleError, assembleSpec, namedData, VEGA_LITE_SCHEMA } from '../../pipeline/render/assemble.ts';
import type { FigureOutput } from '../../figures/types.ts';

const layered: FigureOutput = {
  caption: 'test',
  tables: {
    points: [{ x: 1, y: 2, label: 'a' }, { x: 2, y: Number.NaN, label: 'b' }],
    lines: [{ x: 0, y: 0 }],
  },
  spec: {
    layer: [
      { data: { name: 'lines' }, mark: 'line', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
      {
        data: { name: 'points' },
        layer: [
          { mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
          { mark: 'text', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } } },
        ],
      },
    ],
  } as TopLevelSpec,
};

describe('assembleSpec', () => {
  it('inlines every table as a top-level dataset keyed by name, with $schema first', () => {
    const before = structuredClone(layered);
    const spec = assembleSpec(layered) as TopLevelSpec & { datasets: Record<string, unknown[]> };
    expect(Object.keys(spec)[0]).toBe('$schema');
    expect(spec.$schema).toBe(VEGA_LITE_SCHEMA);
    expect(VEGA_LITE_SCHEMA).toMatch(/^https:\/\/vega\.github\.io\/schema\/vega-lite\/v\d+\.json$/);
    expect(Object.keys(spec.datasets).sort()).toEqual(['lines', 'points']);
    expect(spec.datasets.lines).toEqual([{ x: 0, y: 0 }]);
    // NaN has no JSON form: it becomes null, which Vega-Lite treats as missing
    expect(spec.datasets.points).toEqual([{ x: 1, y: 2, label: 'a' }, { x: 2, y: null, label: 'b' }]);
    // the layers still refer to the data by name
    expect(namedData(spec)).toEqual(new Set(['lines', 'points']));
    expect(layered).toEqual(before);
  });

  it('rejects a data name with no table, naming it and the tables there are', () => {
    const output = { ...layered, tables: { points: layered.tables.points } };
    expect(() => assembleSpec(output)).toThrow(AssembleError);
    expect(() => assembleSpec(output)).toThrow(/'lines'.*tables: points/);
  });

  it('finds names inside lookups and facets too', () => {
    const spec = {
      facet: { row: { field: 'k', type: 'nominal' } },
      data: { name: 'a' },
      spec: { transform: [{ lookup: 'k', from: { data: { name: 'b' }, key: 'k', fields: ['v'] } }], mark: 'point' },
    };
    expect(namedData(spec)).toEqual(new Set(['a', 'b']));
  });

  it('rejects table names that are not safe file names, and clashes with the spec\'s own datasets', () => {
    expect(() => assembleSpec({ ...layered, tables: { ...layered.tables, '../up': [] } })).toThrow(/table name/);
    const clash = { ...layered, spec: { ...layered.spec, datasets: { lines: [] } } as TopLevelSpec };
    expect(() => assembleSpec(clash)).toThrow(/also defined/);
  });
});
