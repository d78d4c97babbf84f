// The overlay chart: a figure's own spec with both runs' data, checked by rendering it with the
// pipeline's renderer (the schema check, vega-lite's compiler and vega's headless view).
import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { overlaySpec, RUN_FIELD } from '../../pipeline/diff/overlay.ts';
import { renderSpec } from '../../pipeline/render/index.ts';

/** A figure like the basin figures: a heatmap with paths over it, beside loss curves. */
function spec(shift: number): TopLevelSpec {
  const cells = [];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) cells.push({ x: i, y: j, loss: i * j + shift });
  const paths = [1, 2].flatMap((run) => [0, 1, 2, 3].map((step) => ({ run, step, x: step * 0.9, y: run + shift, loss: 1 / (1 + step) + shift })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    hconcat: [
      {
        width: 120,
        height: 120,
        layer: [
          { data: { name: 'cells' }, mark: 'rect', encoding: { x: { field: 'x', type: 'ordinal' }, y: { field: 'y', type: 'ordinal' }, color: { field: 'loss', type: 'quantitative' } } },
          { data: { name: 'paths' }, mark: { type: 'line', opacity: 0.5 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, detail: { field: 'run', type: 'nominal' } } },
        ],
      },
      {
        width: 120,
        height: 120,
        data: { name: 'paths' },
        layer: [
          { mark: 'line', encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' }, strokeDash: { field: 'run', type: 'nominal' } } },
          { mark: 'point', encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' }, tooltip: [{ field: 'run', type: 'nominal' }] } },
        ],
      },
    ],
    datasets: { cells, paths },
  } as TopLevelSpec;
}

describe('the overlay of two runs', () => {
  const { spec: overlay, note } = overlaySpec(spec(0), spec(0.5));
  const o = overlay as Record<string, any>;

  it('layers both runs’ rows in each table, tagged with their run', () => {
    expect(o.datasets.paths).toHaveLength(16);
    expect(o.datasets.paths.filter((r: any) => r[RUN_FIELD] === 'A')[0]).toMatchObject({ run: 1, step: 0, y: 1 });
    expect(o.datasets.paths.filter((r: any) => r[RUN_FIELD] === 'B')[0]).toMatchObject({ run: 1, step: 0, y: 1.5 });
  });

  it('draws tiles for B only and says so', () => {
    expect(o.datasets.cells.every((r: any) => r[RUN_FIELD] === 'B')).toBe(true);
    expect(o.hconcat[0].layer[0].transform[0]).toEqual({ filter: { field: RUN_FIELD, equal: 'B' } });
    expect(note).toMatch(/B only \(1 layer\)/);
  });

  it('tells the runs apart on every other mark', () => {
    const path = o.hconcat[0].layer[1].encoding;
    expect(path.strokeDash.field).toBe(RUN_FIELD);
    expect(path.detail).toEqual([{ field: 'run', type: 'nominal' }, { field: RUN_FIELD, type: 'nominal' }]);
    // the line that already uses strokeDash gets opacity instead
    expect(o.hconcat[1].layer[0].encoding.opacity).toEqual({ condition: { test: `datum.${RUN_FIELD} === 'A'`, value: 0.4 }, value: 1 });
    // points are fainter in A, and their tooltip names the run
    const point = o.hconcat[1].layer[1].encoding;
    expect(point.opacity.condition.value).toBe(0.35);
    expect(point.tooltip.at(-1).field).toBe(RUN_FIELD);
  });

  it('is a valid Vega-Lite spec that renders', async () => {
    const drawn = await renderSpec(overlay as unknown as TopLevelSpec, 'the overlay');
    expect(drawn.svg).toMatch(/^<svg/);
    expect(drawn.warnings).toEqual([]);
  });
});
