// Figure 8: perturb-and-retrain and straight-line interpolation on the basin model (the plain
// basins, where gradient descent's behaviour can be stated exactly). Where each retrained run
// ends, against how far it was pushed; and the loss along lines within and between basins.
import type { TopLevelSpec } from 'vega-lite';
import type { BasinModelParams } from '../pipeline/experiments/basin-model/artifact.ts';
import { interpolationChecks, perturbationChecks } from '../pipeline/experiments/basin-model/checks.ts';
import type { PerturbRun } from '../pipeline/experiments/basin-model/simulate.ts';
import {
  coord,
  describeLandscape,
  gridMax,
  gridRows,
  heatmapLayer,
  loadBasin,
  panelTitle,
  positionX,
  positionY,
  provenance,
  round,
  windowOf,
} from './basin-panels.ts';
import type { FigureModule, Row } from './types.ts';

const SIDE = 250;
const OUTCOMES = ['back to the same basin', 'another basin', 'no floor reached'];
const OUTCOME_COLOURS = ['#8fd3ff', '#ff7f0e', '#ffffff'];

export const figure: FigureModule<BasinModelParams> = {
  async build(ctx) {
    const basin = await loadBasin(ctx);
    const a = basin.artifact;
    const s = a.params;
    const p = a.perturb;
    const zoom = await basin.grid('zoom-L0');
    const full = await basin.grid('full-L0');
    const maxLoss = gridMax(full.values);
    const zoomWin = windowOf(zoom.entry);
    const fullWin = windowOf(full.entry);

    const outcome = (r: PerturbRun) => (r.endBasin === p.startBasin ? OUTCOMES[0]! : r.endBasin >= 0 ? OUTCOMES[1]! : OUTCOMES[2]!);
    const runs: Row[] = p.runs.map((r, i) => ({
      run: i + 1,
      size: r.size,
      x: coord(r.from.x),
      y: coord(r.from.y),
      ex: coord(r.end.x),
      ey: coord(r.end.y),
      relative: round(r.norm / p.margin),
      outcome: outcome(r),
      ends: r.endBasin >= 0 ? `basin ${r.endBasin + 1}` : 'none',
    }));
    const circle: Row[] = Array.from({ length: 73 }, (_, k) => ({
      k,
      x: coord(p.start.x + p.margin * Math.cos((2 * Math.PI * k) / 72)),
      y: coord(p.start.y + p.margin * Math.sin((2 * Math.PI * k) / 72)),
    }));
    // only the outcomes that occur, so the legend never lists an empty class
    const present = OUTCOMES.filter((o) => runs.some((r) => r.outcome === o));
    const fill = { domain: present, range: present.map((o) => OUTCOME_COLOURS[OUTCOMES.indexOf(o)]!) };
    const outcomeLegend = { title: 'retraining ends', orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 200 };

    const perturbMap = (letter: string, size: 'small' | 'large', grid: typeof zoom, win: ReturnType<typeof windowOf>) => {
      // one legend for the pair of maps, under the second
      const legend = size === 'large' ? outcomeLegend : null;
      return {
      title: panelTitle(letter, `${size} perturbations (std ${round(p.std[size], 2)})`),
      width: SIDE,
      height: SIDE,
      layer: [
        heatmapLayer(size === 'small' ? 'zoom' : 'landscape', grid.entry, maxLoss),
        {
          data: { name: 'margin' },
          mark: { type: 'line' as const, stroke: 'white', strokeDash: [3, 2], strokeWidth: 1 },
          encoding: { x: positionX('x', win.x), y: positionY('y', win.y), order: { field: 'k', type: 'quantitative' as const } },
        },
        {
          data: { name: 'runs' },
          transform: [{ filter: { field: 'size', equal: size } }],
          mark: { type: 'rule' as const, strokeWidth: 0.7, opacity: 0.8, clip: true },
          encoding: {
            x: positionX('x', win.x),
            y: positionY('y', win.y),
            x2: { field: 'ex' },
            y2: { field: 'ey' },
            stroke: { field: 'outcome', type: 'nominal' as const, scale: fill, legend },
          },
        },
        {
          data: { name: 'runs' },
          transform: [{ filter: { field: 'size', equal: size } }],
          mark: { type: 'point' as const, filled: true, size: 18, stroke: 'black', strokeWidth: 0.4, clip: true },
          encoding: {
            x: positionX('x', win.x),
            y: positionY('y', win.y),
            fill: { field: 'outcome', type: 'nominal' as const, scale: fill, legend },
            tooltip: [{ field: 'run', type: 'quantitative' as const }, { field: 'ends', type: 'nominal' as const }],
          },
        },
        {
          data: { name: 'start' },
          mark: { type: 'point' as const, shape: 'diamond', filled: true, size: 80, fill: '#d62728', stroke: 'white', strokeWidth: 0.8 },
          encoding: { x: positionX('x', win.x), y: positionY('y', win.y) },
        },
      ],
      };
    };

    const strip = {
      title: panelTitle('C', 'outcome against the size of the push'),
      width: SIDE * 1.1,
      height: SIDE * 0.55,
      layer: [
        {
          data: { name: 'runs' },
          mark: { type: 'tick' as const, thickness: 1.5, size: 22 },
          encoding: {
            x: { field: 'relative', type: 'quantitative' as const, title: 'length of the perturbation / margin' },
            y: { field: 'outcome', type: 'nominal' as const, title: null, scale: { domain: present }, axis: { labelLimit: 160 } },
            stroke: { field: 'size', type: 'nominal' as const, scale: { domain: ['small', 'large'], range: ['#1f77b4', '#d62728'] }, legend: { title: 'perturbation', orient: 'bottom' as const, direction: 'horizontal' as const } },
          },
        },
        {
          data: { name: 'one' },
          mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#555555' },
          encoding: { x: { field: 'x', type: 'quantitative' as const } },
        },
      ],
    };

    // D and E: the straight lines, as segments on the map and as loss profiles
    const counters = { within: 0, between: 0 };
    const segments: Row[] = [];
    const lineRows: Row[] = [];
    const kindName = { within: 'within one basin', between: 'between two basins' } as const;
    for (const line of a.interpolation) {
      const name = `${line.kind} ${++counters[line.kind]}`;
      segments.push({ line: name, kind: kindName[line.kind], x: coord(line.from.x), y: coord(line.from.y), ex: coord(line.to.x), ey: coord(line.to.y) });
      const i0 = line.a.findIndex((t) => Math.abs(t) < 1e-12);
      const i1 = line.a.findIndex((t) => Math.abs(t - 1) < 1e-12);
      const mean = (line.loss[i0]! + line.loss[i1]!) / 2;
      line.a.forEach((t, i) => lineRows.push({ line: name, kind: kindName[line.kind], a: round(t, 6), loss: round(line.loss[i]!), endMean: round(mean) }));
    }
    const kindStroke = { domain: Object.values(kindName), range: ['#8fd3ff', '#ff7f0e'] };
    const linesMap = {
      title: panelTitle('D', 'the straight lines'),
      width: SIDE,
      height: SIDE,
      layer: [
        heatmapLayer('landscape', full.entry, maxLoss),
        {
          data: { name: 'segments' },
          mark: { type: 'rule' as const, strokeWidth: 1.6, clip: true },
          encoding: {
            x: positionX('x', fullWin.x),
            y: positionY('y', fullWin.y),
            x2: { field: 'ex' },
            y2: { field: 'ey' },
            stroke: { field: 'kind', type: 'nominal' as const, scale: kindStroke, legend: null },
          },
        },
      ],
    };
    const lineProfile = (letter: string, kind: 'within' | 'between') => ({
      title: panelTitle(letter, `loss along the lines ${kindName[kind]}`),
      width: SIDE,
      height: SIDE * 0.7,
      data: { name: 'lines' },
      transform: [{ filter: { field: 'kind', equal: kindName[kind] } }],
      layer: [
        {
          mark: { type: 'line' as const, strokeWidth: 1.3 },
          encoding: {
            x: { field: 'a', type: 'quantitative' as const, title: 'a in (1 - a)·A + a·B', scale: { nice: false } },
            y: { field: 'loss', type: 'quantitative' as const, title: 'loss' },
            detail: { field: 'line', type: 'nominal' as const },
            stroke: { field: 'kind', type: 'nominal' as const, scale: { domain: Object.values(kindName), range: ['#1f77b4', '#d62728'] }, legend: null },
          },
        },
        {
          data: { name: 'ends' },
          mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#999999' },
          encoding: { x: { field: 'a', type: 'quantitative' as const } },
        },
      ],
    });

    const spec = {
      title: { text: 'Perturbation and interpolation on the basin model', fontSize: 15 },
      vconcat: [
        { resolve: { scale: { stroke: 'independent', fill: 'independent' } }, hconcat: [perturbMap('A', 'small', zoom, zoomWin), perturbMap('B', 'large', full, fullWin), strip] },
        { resolve: { scale: { stroke: 'independent', fill: 'independent' } }, hconcat: [linesMap, lineProfile('E', 'within'), lineProfile('F', 'between')] },
      ],
      resolve: { scale: { color: 'shared', stroke: 'independent', fill: 'independent' } },
      config: { view: { stroke: '#dddddd' }, concat: { spacing: 22 }, axis: { labelFontSize: 9, titleFontSize: 10 } },
    } as TopLevelSpec;

    const count = (size: 'small' | 'large', o: string) => p.runs.filter((r) => r.size === size && outcome(r) === o).length;
    const n = { small: p.runs.filter((r) => r.size === 'small').length, large: p.runs.filter((r) => r.size === 'large').length };
    const reached = new Set(p.runs.filter((r) => r.endBasin >= 0 && r.endBasin !== p.startBasin).map((r) => r.endBasin + 1));
    const caption = [
      `The two experiments the paper runs on a trained network, run on the basin model without fractal walls. ${describeLandscape(a)}`,
      `**A-C** Perturb and retrain. The start is the centre of floor ${p.startBasin + 1} (red diamond). Each run adds Gaussian noise to ` +
        `both coordinates and then retrains by plain gradient descent (step ${s.runs.stepSize}, gradient move capped at ${s.runs.maxMove}, ` +
        `up to ${s.perturb.steps} steps); lines join each perturbed point to where retraining stopped. The dashed circle is the margin, ` +
        `${round(p.margin, 3)}: half the distance from the start to the nearest other floor. Within it the start floor is the nearest one ` +
        `and descent moves straight towards it, so a run pushed less than the margin must come back. ` +
        `Small perturbations (std ${round(p.std.small, 3)}, ${s.perturb.small} × margin, close-up in A): ${count('small', OUTCOMES[0]!)} of ${n.small} ` +
        `runs return to the same floor. Large ones (std ${round(p.std.large, 3)}, ${s.perturb.large} × margin, B): ${count('large', OUTCOMES[0]!)} ` +
        `of ${n.large} return and ${count('large', OUTCOMES[1]!)} settle on another floor (basin${reached.size === 1 ? '' : 's'} ` +
        `${[...reached].sort((x, y) => x - y).join(', ') || '-'}). C sets each run's outcome against the length of its push measured in margins ` +
        `(dashed: one margin).`,
      `**D-F** Straight lines w(a) = (1 - a)·A + a·B between retrained end points A and B, sampled at ${s.interpolation.points} values of a ` +
        `from ${s.interpolation.from} to ${s.interpolation.to} (A at a = 0, B at a = 1, dashed). Within one basin both ends lie on the same ` +
        `disc-shaped floor, so the segment between them does too and the loss along it is zero: no higher than the mean of the ends. ` +
        `Between basins the segment has to cross a wall, and the loss rises above both ends on the way (the barrier the paper sees ` +
        `between models trained from different starts).`,
      provenance(a, ctx.profile.name),
    ].join('\n\n');

    return {
      spec,
      tables: {
        landscape: gridRows(full.values, full.entry),
        zoom: gridRows(zoom.values, zoom.entry),
        runs,
        margin: circle,
        start: [{ x: coord(p.start.x), y: coord(p.start.y) }],
        one: [{ x: 1 }],
        segments,
        lines: lineRows,
        ends: [{ a: 0 }, { a: 1 }],
      },
      caption,
      properties: [...perturbationChecks(p), ...interpolationChecks(a.interpolation)],
    };
  },
};
