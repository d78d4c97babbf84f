// Figure 7: training dynamics on the basin-fractal landscape. Parallel noisy descents from random
// starts and one run with branches, drawn over the map, with their loss against step; and how
// quickly the same runs settle on a zero-loss floor with and without the fractal walls.
import type { TopLevelSpec } from 'vega-lite';
import type { BasinModelParams } from '../pipeline/experiments/basin-model/artifact.ts';
import type { RunRecord } from '../pipeline/experiments/basin-model/simulate.ts';
import {
  coord,
  describeLandscape,
  gridMax,
  gridRows,
  heatmapLayer,
  loadBasin,
  panelTitle,
  placeLabel,
  positionX,
  positionY,
  provenance,
  round,
  tallyPlaces,
  trajectoryRows,
  windowOf,
} from './basin-panels.ts';
import type { FigureModule, Row } from './types.ts';

const SIDE = 260;
const ENDS = ['zero-loss floor', 'small basin', 'still on a wall'];

function endKind(r: RunRecord): string {
  return r.place.kind === 'floor' ? ENDS[0]! : r.place.kind === 'wall-basin' ? ENDS[1]! : ENDS[2]!;
}

/** Share of runs on a floor at each recorded step. */
function settledShare(runs: RunRecord[], steps: number[]): number[] {
  return steps.map((s) => runs.filter((r) => r.trajectory.settledAt !== null && r.trajectory.settledAt <= s).length / runs.length);
}

export const figure: FigureModule<BasinModelParams> = {
  async build(ctx) {
    const basin = await loadBasin(ctx);
    const a = basin.artifact;
    const s = a.params;
    const top = a.runs.maxLevel;
    const map = await basin.grid(`full-L${top}`);
    const win = windowOf(map.entry);
    const maxLoss = gridMax(map.values);

    const paths: Row[] = a.runs.fractal.flatMap((r, i) => trajectoryRows(r.trajectory, { run: i + 1 }));
    const ends: Row[] = a.runs.fractal.map((r, i) => ({ run: i + 1, x: coord(r.trajectory.end.x), y: coord(r.trajectory.end.y), end: endKind(r), place: placeLabel(r.place) }));
    const recorded = a.runs.fractal[0]!.trajectory.step;
    const fractalName = `with ${top} fractal level${top === 1 ? '' : 's'}`;
    const fractalShare = settledShare(a.runs.fractal, recorded);
    const plainShare = settledShare(a.runs.plain, recorded);
    const settled: Row[] = recorded.flatMap((step, i) => [
      { step, share: round(fractalShare[i]!), landscape: fractalName },
      { step, share: round(plainShare[i]!), landscape: 'plain basins' },
    ]);

    const b = a.branches.run;
    const branchName = (at: number) => `branch at step ${at}`;
    const branchPaths: Row[] = [
      ...trajectoryRows(b.main.trajectory, { path: 'main run' }),
      ...b.branches.flatMap((br) => trajectoryRows(br.trajectory, { path: branchName(br.at) })),
    ];
    const splits: Row[] = b.branches.map((br) => ({ path: branchName(br.at), x: coord(br.trajectory.x[0]!), y: coord(br.trajectory.y[0]!) }));
    const pathDomain = ['main run', ...b.branches.map((br) => branchName(br.at))];
    const pathColours = ['#ffffff', '#ff7f0e', '#e377c2', '#17becf', '#bcbd22', '#d62728', '#9467bd'].slice(0, pathDomain.length);

    const overMap = (title: ReturnType<typeof panelTitle>, layers: object[]) => ({
      title,
      width: SIDE,
      height: SIDE,
      layer: [heatmapLayer('landscape', map.entry, maxLoss), ...layers],
    });
    const lossAxis = { field: 'loss', type: 'quantitative' as const, title: 'loss', scale: { type: 'symlog' as const, constant: 0.01 } };

    const spec = {
      title: { text: 'Training dynamics on the basin-fractal landscape', fontSize: 15 },
      vconcat: [
        {
          resolve: { scale: { stroke: 'independent', fill: 'independent' } },
          hconcat: [
            overMap(panelTitle('A', `${a.runs.fractal.length} noisy descents from random starts`), [
              {
                data: { name: 'paths' },
                mark: { type: 'line' as const, stroke: 'white', strokeWidth: 0.7, opacity: 0.7, clip: true },
                encoding: {
                  x: positionX('x', win.x),
                  y: positionY('y', win.y),
                  detail: { field: 'run', type: 'nominal' as const },
                  order: { field: 'step', type: 'quantitative' as const },
                },
              },
              {
                data: { name: 'ends' },
                mark: { type: 'point' as const, filled: true, size: 30, stroke: 'black', strokeWidth: 0.5, clip: true },
                encoding: {
                  x: positionX('x', win.x),
                  y: positionY('y', win.y),
                  fill: {
                    field: 'end',
                    type: 'nominal' as const,
                    scale: { domain: ENDS, range: ['#ff7f0e', '#e377c2', '#ffffff'] },
                    legend: { title: 'run ends on', orient: 'bottom' as const, direction: 'vertical' as const },
                  },
                  tooltip: [{ field: 'run', type: 'quantitative' as const }, { field: 'place', type: 'nominal' as const }],
                },
              },
            ]),
            {
              title: panelTitle('B', 'loss of each run'),
              width: SIDE,
              height: SIDE * 0.8,
              data: { name: 'paths' },
              mark: { type: 'line' as const, strokeWidth: 0.8, opacity: 0.45, stroke: '#1f4e9c' },
              encoding: {
                x: { field: 'step', type: 'quantitative' as const, title: 'step' },
                y: lossAxis,
                detail: { field: 'run', type: 'nominal' as const },
              },
            },
            {
              title: panelTitle('C', 'share of runs on a zero-loss floor'),
              width: SIDE,
              height: SIDE * 0.8,
              data: { name: 'settled' },
              mark: { type: 'line' as const, strokeWidth: 1.6, interpolate: 'step-after' as const },
              encoding: {
                x: { field: 'step', type: 'quantitative' as const, title: 'step' },
                y: { field: 'share', type: 'quantitative' as const, title: 'share of runs', axis: { format: '%' }, scale: { domain: [0, 1] } },
                stroke: {
                  field: 'landscape',
                  type: 'nominal' as const,
                  scale: { domain: [fractalName, 'plain basins'], range: ['#d62728', '#7f7f7f'] },
                  legend: { title: null, orient: 'bottom-right' as const, labelLimit: 220 },
                },
              },
            },
          ],
        },
        {
          resolve: { scale: { stroke: 'independent', fill: 'independent' } },
          hconcat: [
            overMap(panelTitle('D', 'one run and its branches'), [
              {
                data: { name: 'branch_paths' },
                mark: { type: 'line' as const, strokeWidth: 1.3, clip: true },
                encoding: {
                  x: positionX('x', win.x),
                  y: positionY('y', win.y),
                  detail: { field: 'path', type: 'nominal' as const },
                  order: { field: 'step', type: 'quantitative' as const },
                  stroke: { field: 'path', type: 'nominal' as const, scale: { domain: pathDomain, range: pathColours }, legend: null },
                },
              },
              {
                data: { name: 'splits' },
                mark: { type: 'point' as const, filled: true, size: 28, stroke: 'black', strokeWidth: 0.6, clip: true },
                encoding: {
                  x: positionX('x', win.x),
                  y: positionY('y', win.y),
                  fill: { field: 'path', type: 'nominal' as const, scale: { domain: pathDomain, range: pathColours }, legend: null },
                },
              },
            ]),
            {
              title: panelTitle('E', 'loss of the run and its branches'),
              width: SIDE * 1.3,
              height: SIDE * 0.8,
              data: { name: 'branch_paths' },
              mark: { type: 'line' as const, strokeWidth: 1.3 },
              encoding: {
                x: { field: 'step', type: 'quantitative' as const, title: 'step' },
                y: lossAxis,
                stroke: {
                  field: 'path',
                  type: 'nominal' as const,
                  // white would vanish on the white background of this panel
                  scale: { domain: pathDomain, range: ['#333333', ...pathColours.slice(1)] },
                  legend: { title: null, orient: 'right' as const },
                },
              },
            },
          ],
        },
      ],
      resolve: { scale: { color: 'shared', stroke: 'independent', fill: 'independent' } },
      config: { view: { stroke: '#dddddd' }, concat: { spacing: 22 }, axis: { labelFontSize: 9, titleFontSize: 10 } },
    } as TopLevelSpec;

    const median = (v: number[]) => {
      const sorted = [...v].sort((x, y) => x - y);
      return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : NaN;
    };
    const settledSteps = (runs: RunRecord[]) => runs.flatMap((r) => (r.trajectory.settledAt === null ? [] : [r.trajectory.settledAt]));
    const fs = settledSteps(a.runs.fractal);
    const ps = settledSteps(a.runs.plain);
    const samePlace = (x: RunRecord['place'], y: RunRecord['place']) => placeLabel(x) === placeLabel(y);
    const elsewhere = b.branches.filter((br) => !samePlace(br.place, b.main.place));
    const stayed = b.branches.filter((br) => samePlace(br.place, b.main.place));
    // the Figure 4 reading holds when every branch that went elsewhere split off before every one that stayed
    const earlyLeave = stayed.length > 0 && Math.max(...elsewhere.map((br) => br.at)) < Math.min(...stayed.map((br) => br.at));
    const branchSummary =
      elsewhere.length === 0
        ? `every branch ends in the same place: the kicks were too small to carry a run over a ridge`
        : `${elsewhere.length} of ${b.branches.length} branches end somewhere else (split off at step${elsewhere.length === 1 ? '' : 's'} ` +
          `${elsewhere.map((br) => `${br.at}, on the ${placeLabel(br.place)}`).join('; ')})` +
          `${elsewhere.length < b.branches.length ? ', the others on the same floor as the main run' : ''}` +
          (earlyLeave
            ? `. As in Figure 4, the later a branch leaves, the deeper the main run already sits in its basin and the less a kick of the same size changes`
            : '');
    const caption = [
      `Noisy gradient descent on the basin-fractal landscape (${top} level${top === 1 ? '' : 's'} of small basins on the walls). ` +
        `${describeLandscape(a)}`,
      `Every step moves against the gradient with step size ${s.runs.stepSize} (the move capped at length ${s.runs.maxMove}, ` +
        `since the small basins' walls are steep) and adds Gaussian noise of standard deviation ` +
        `${s.runs.noise}·√loss to each coordinate. The noise shrinks with the loss the way SGD's does in an overparametrized model, ` +
        `where every example is fitted on the zero-loss set: a run that reaches a floor stops there, while on the positive-loss floor ` +
        `of a small basin it keeps jittering until it finds a way out or the run ends.`,
      `**A** ${a.runs.fractal.length} runs of ${s.runs.steps} steps from starts drawn uniformly over the square (white paths, one point ` +
        `kept every ${s.runs.recordEvery} steps). At the end: ${tallyPlaces(a.runs.fractal.map((r) => r.place))}. **B** Their loss ` +
        `against step (scale linear near zero, logarithmic above): plateaus are stays in small basins. **C** The share of runs already ` +
        `on a floor, against the same starts and noise on the plain basins. Among the runs that settle, the median one is down by ` +
        `step ${fs.length ? median(fs) : '-'} with the fractal walls and by step ${ps.length ? median(ps) : '-'} without; ` +
        `${fs.length} of ${a.runs.fractal.length} and ${ps.length} of ${a.runs.plain.length} settle within the ${s.runs.steps} steps.`,
      `**D, E** One run started near the highest corner; at steps ${b.branches.map((br) => br.at).join(', ')} a branch leaves it with a ` +
        `Gaussian kick of standard deviation ${s.branches.kick} and descends on its own noise for the rest of the ${s.branches.steps} ` +
        `steps (dots: where each branch starts). The main run ends on the ${placeLabel(b.main.place)}; ${branchSummary}.`,
      provenance(a, ctx.profile.name),
    ].join('\n\n');

    return {
      spec,
      tables: { landscape: gridRows(map.values, map.entry), paths, ends, settled, branch_paths: branchPaths, splits },
      caption,
    };
  },
};
