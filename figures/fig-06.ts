// Figure 6: the basin-fractal model at each level: a profile through the focus basin, the basin
// from above, and a detail of its wall where the smaller levels show.
import type { TopLevelSpec } from 'vega-lite';
import type { BasinModelParams } from '../pipeline/experiments/basin-model/artifact.ts';
import { zeroSetCheck } from '../pipeline/experiments/basin-model/checks.ts';
import { coord, describeLandscape, gridMax, gridRows, heatmapLayer, loadBasin, panelTitle, provenance, round, windowOf } from './basin-panels.ts';
import type { FigureModule, Row } from './types.ts';

const SIDE = 210;

export const figure: FigureModule<BasinModelParams> = {
  async build(ctx) {
    const basin = await loadBasin(ctx);
    const a = basin.artifact;
    const top = a.model.levels.length;
    if (top === 0) throw new Error('Figure 6 needs at least one fractal level (basinModel.fractal.levels = 0)');
    const levels = Array.from({ length: top }, (_, i) => i + 1);
    const zooms = await Promise.all([0, ...levels].map((l) => basin.grid(`zoom-L${l}`)));
    const details = await Promise.all([0, ...levels].map((l) => basin.grid(`detail-L${l}`)));
    const maxLoss = Math.max(...zooms.map((g) => gridMax(g.values)));
    const zoomWin = windowOf(zooms[0]!.entry);
    const detailWin = windowOf(details[0]!.entry);

    const profile: Row[] = a.profiles.x.flatMap((x, i) =>
      Object.entries(a.profiles.loss).map(([level, loss]) => ({ x: coord(x), loss: round(loss[i]!), level: Number(level) })),
    );
    // the detail window drawn on the close-up, so the reader sees where it sits
    const box: Row[] = [
      [detailWin.x[0], detailWin.y[0]],
      [detailWin.x[1], detailWin.y[0]],
      [detailWin.x[1], detailWin.y[1]],
      [detailWin.x[0], detailWin.y[1]],
      [detailWin.x[0], detailWin.y[0]],
    ].map(([x, y], k) => ({ k, x: x!, y: y! }));

    const tables: Record<string, Row[]> = { profile, detail_box: box };
    const rows = levels.map((level, i) => {
      const letter = String.fromCharCode(65 + 3 * i);
      tables[`zoom_${level}`] = gridRows(zooms[level]!.values, zooms[level]!.entry);
      tables[`detail_${level}`] = gridRows(details[level]!.values, details[level]!.entry);
      const count = a.model.levels[level - 1]!.count;
      return {
        resolve: { scale: { stroke: 'independent' } },
        hconcat: [
          {
            title: panelTitle(letter, `${level} level${level === 1 ? '' : 's'}: profile`),
            width: SIDE * 1.2,
            height: SIDE * 0.75,
            data: { name: 'profile' },
            transform: [{ filter: `datum.level == 0 || datum.level == ${level}` }],
            mark: { type: 'line' as const, strokeWidth: 1.2 },
            encoding: {
              x: { field: 'x', type: 'quantitative' as const, scale: { domain: zoomWin.x, nice: false, zero: false }, title: `weight 1 (weight 2 = ${round(a.profiles.y, 3)})` },
              y: { field: 'loss', type: 'quantitative' as const, title: 'loss' },
              stroke: {
                field: 'level',
                type: 'ordinal' as const,
                scale: { domain: [0, level], range: ['#bbbbbb', '#d62728'] },
                // placed over the flat floor in the middle, where the curve never is
                legend: { title: 'fractal levels', orient: 'none' as const, direction: 'horizontal' as const, legendX: SIDE * 0.6 - 45, legendY: 4 },
              },
            },
          },
          {
            title: panelTitle(String.fromCharCode(66 + 3 * i), `from above (${count} new basins)`),
            width: SIDE,
            height: SIDE,
            layer: [
              heatmapLayer(`zoom_${level}`, zooms[level]!.entry, maxLoss),
              {
                data: { name: 'detail_box' },
                mark: { type: 'line' as const, color: 'white', strokeWidth: 1 },
                encoding: {
                  x: { field: 'x', type: 'quantitative' as const },
                  y: { field: 'y', type: 'quantitative' as const },
                  order: { field: 'k', type: 'quantitative' as const },
                },
              },
            ],
          },
          {
            title: panelTitle(String.fromCharCode(67 + 3 * i), 'detail of the wall (white box)'),
            width: SIDE,
            height: SIDE,
            layer: [heatmapLayer(`detail_${level}`, details[level]!.entry, maxLoss)],
          },
        ],
      };
    });

    const spec = {
      title: { text: 'The basin-fractal model, level by level', fontSize: 15 },
      vconcat: rows,
      resolve: { scale: { color: 'shared', stroke: 'independent' } },
      config: { view: { stroke: '#dddddd' }, concat: { spacing: 20 }, axis: { labelFontSize: 9, titleFontSize: 10 } },
    } as TopLevelSpec;

    const check = zeroSetCheck(
      a.model.floors,
      [...zooms, ...details].map((g) => ({ ...g.entry, values: g.values })),
    );
    const f = a.params.fractal;
    const levelLines = a.model.levels
      .map((l) => `level ${l.level}: ${l.count} basins, grid spacing ${round(l.spacing, 3)}, floor radius ${round(l.floorRadius, 3)}, wall reach ${round(l.reach, 3)}, cut ${round(100 * l.depth, 3)}% below the landscape`)
      .join('; ');
    const caption = [
      `The basin-fractal version of the model: the walls of the basins are themselves covered with smaller basins, and the walls of ` +
        `those with smaller ones again. Each row adds one level. ${describeLandscape(a)}`,
      `Each small basin has a flat floor of positive loss and a wall that climbs back to the surrounding landscape within a short reach; ` +
        `the landscape is the pointwise minimum of the plain walls and all small basins, so it stays continuous. Small basins are ` +
        `placed on a jittered grid and kept only where their whole footprint avoids every floor laid down before them; each sits a ` +
        `fixed fraction below the lowest loss around it. Settings: ${levelLines} (spacing shrinks by ${f.shrink} and the cut by ` +
        `${f.depthDecay} per level; wall steepness ${f.steepness}).`,
      `Left: loss along the horizontal line through the centre of basin ${a.model.focus + 1} (red; grey is the plain model). Middle: ` +
        `the same basin from above. Right: a window of width ${round(2 * a.params.grid.detailHalfWidth, 3)} on its wall, where the ` +
        `finer levels become visible. Colour is loss on a scale linear up to 0.1 and logarithmic above, shared by all maps.`,
      `The zero-loss floors are the same at every level: the small basins are local minima with positive loss, not new solutions.`,
      provenance(a, ctx.profile.name),
    ].join('\n\n');

    return { spec, tables, caption, properties: [check] };
  },
};
