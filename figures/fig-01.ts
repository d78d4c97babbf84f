// Figure 1: the landscape as a collection of basins, drawn from the basin model (E1). Panels A-E
// and G-H are views of the computed model and its simulations; panel F is the map of Figure 4 (the
// BGD trajectories of E4, layer 2, the first noise level), drawn by the E4 family's pieces. Panels
// D′ and E′ repeat D and E on the real network (E5, E6; real-net-panels.ts).
import type { TopLevelSpec } from 'vega-lite';
import { describeQuality, mdsView } from '../pipeline/analysis/trajectory-mds/artifact.ts';
import { noiseView } from '../pipeline/experiments/bgd-branches/experiment.ts';
import { combineRegimes, describeRegime } from '../pipeline/experiments/kit/regime.ts';
import { interpolationChecks, perturbationChecks } from '../pipeline/experiments/basin-model/checks.ts';
import type { BasinModelParams } from '../pipeline/experiments/basin-model/artifact.ts';
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
import { BGD_TOOLTIP, bgdPointRows, bgdRegime, describeOutcome, legendOrder, loadBgd } from './bgd-branches.ts';
import { trajectoryPanel } from './trajectory-panel.ts';
import { realNetPanels } from './real-net-panels.ts';
import type { FigureModule, Row } from './types.ts';

const SIDE = 220;
/** Maps share the loss colour scale; every other channel belongs to its own panel. */
const INDEPENDENT = { scale: { color: 'shared', stroke: 'independent', fill: 'independent', shape: 'independent' } } as const;
/** Runs of each size drawn in panel D (all of them are counted in the caption and the checks). */
const SHOWN_PER_SIZE = 12;

export const figure: FigureModule<BasinModelParams> = {
  async build(ctx) {
    const basin = await loadBasin(ctx);
    const a = basin.artifact;
    const top = a.model.levels.length;
    const zoomPlain = await basin.grid('zoom-L0');
    const zoomFractal = await basin.grid(`zoom-L${top}`);
    const full = await basin.grid('full-L0');
    const maxLoss = Math.max(gridMax(full.values), gridMax(zoomFractal.values));
    const fullWin = windowOf(full.entry);
    const zoomWin = windowOf(zoomPlain.entry);

    // A and G: profiles through the focus floor
    const profile: Row[] = a.profiles.x.flatMap((x, i) =>
      Object.entries(a.profiles.loss).map(([level, loss]) => ({ x: coord(x), loss: round(loss[i]!), level: Number(level) })),
    );
    const profilePanel = (letter: string, text: string, level: number, reference: boolean) => ({
      title: panelTitle(letter, text),
      width: SIDE,
      height: SIDE * 0.75,
      data: { name: 'profile' },
      transform: [{ filter: reference ? `datum.level == 0 || datum.level == ${level}` : `datum.level == ${level}` }],
      mark: { type: 'line' as const, strokeWidth: 1.4 },
      encoding: {
        x: { field: 'x', type: 'quantitative' as const, scale: { domain: zoomWin.x, nice: false, zero: false }, title: `weight 1 (weight 2 = ${round(a.profiles.y, 3)})` },
        y: { field: 'loss', type: 'quantitative' as const, title: 'loss' },
        stroke: {
          field: 'level',
          type: 'ordinal' as const,
          scale: { domain: reference ? [0, level] : [level], range: reference ? ['#bbbbbb', '#d62728'] : ['#1f4e9c'] },
          // placed over the flat floor in the middle, where the curve never is
          legend: reference ? { title: 'fractal levels', orient: 'none' as const, direction: 'horizontal' as const, legendX: SIDE / 2 - 45, legendY: 4 } : null,
        },
      },
    });

    // C and D: the whole landscape, with each floor numbered
    const floors: Row[] = a.model.floors.map((f, i) => ({ x: coord(f.x), y: coord(f.y), label: String(i + 1) }));
    const floorLabels = {
      data: { name: 'floors' },
      mark: { type: 'text' as const, color: 'white', fontSize: 11, fontWeight: 'bold' as const },
      encoding: { x: positionX('x', fullWin.x), y: positionY('y', fullWin.y), text: { field: 'label', type: 'nominal' as const } },
    };

    // D: perturbations (the first few of each size) and where retraining took them
    const p = a.perturb;
    const perturbRows: Row[] = (['small', 'large'] as const).flatMap((size) =>
      p.runs
        .filter((r) => r.size === size)
        .slice(0, SHOWN_PER_SIZE)
        .map((r) => ({
          size: `${size} (std ${round(p.std[size], 2)})`,
          x: coord(r.from.x),
          y: coord(r.from.y),
          ex: coord(r.end.x),
          ey: coord(r.end.y),
          outcome: r.endBasin === p.startBasin ? 'back to the same basin' : 'another basin',
        })),
    );
    const circle: Row[] = Array.from({ length: 73 }, (_, k) => ({
      k,
      x: coord(p.start.x + p.margin * Math.cos((2 * Math.PI * k) / 72)),
      y: coord(p.start.y + p.margin * Math.sin((2 * Math.PI * k) / 72)),
    }));
    // the segment's stroke and the point's fill show the same thing: one legend for both
    const outcomeLegend = { title: 'retraining ends', orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 200 };
    const outcomeFill = { domain: ['back to the same basin', 'another basin'], range: ['#8fd3ff', '#ff7f0e'] };
    const panelD = {
      title: panelTitle('D', 'perturb, then retrain'),
      width: SIDE,
      height: SIDE,
      layer: [
        heatmapLayer('landscape', full.entry, maxLoss),
        {
          data: { name: 'margin' },
          mark: { type: 'line' as const, stroke: 'white', strokeDash: [3, 2], strokeWidth: 1 },
          encoding: { x: positionX('x', fullWin.x), y: positionY('y', fullWin.y), order: { field: 'k', type: 'quantitative' as const } },
        },
        {
          data: { name: 'perturbations' },
          mark: { type: 'rule' as const, strokeWidth: 0.8, opacity: 0.8, clip: true },
          encoding: {
            x: positionX('x', fullWin.x),
            y: positionY('y', fullWin.y),
            x2: { field: 'ex' },
            y2: { field: 'ey' },
            stroke: { field: 'outcome', type: 'nominal' as const, scale: outcomeFill, legend: outcomeLegend },
          },
        },
        {
          data: { name: 'perturbations' },
          mark: { type: 'point' as const, filled: true, size: 26, stroke: 'black', strokeWidth: 0.5, clip: true },
          encoding: {
            x: positionX('x', fullWin.x),
            y: positionY('y', fullWin.y),
            shape: { field: 'size', type: 'nominal' as const, scale: { range: ['circle', 'triangle-up'] }, legend: { title: 'perturbation', orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 200 } },
            fill: { field: 'outcome', type: 'nominal' as const, scale: outcomeFill, legend: outcomeLegend },
          },
        },
        {
          data: { name: 'start' },
          mark: { type: 'point' as const, shape: 'diamond', filled: true, size: 90, fill: '#d62728', stroke: 'white', strokeWidth: 0.8 },
          encoding: { x: positionX('x', fullWin.x), y: positionY('y', fullWin.y) },
        },
      ],
    };

    // E: loss along straight lines (a in [from, to]; the end points sit at a = 0 and a = 1)
    const lineRows: Row[] = [];
    const counters = { within: 0, between: 0 };
    for (const line of a.interpolation) {
      const n = ++counters[line.kind];
      line.a.forEach((t, i) =>
        lineRows.push({ line: `${line.kind} ${n}`, kind: line.kind === 'within' ? 'within one basin' : 'between two basins', a: round(t, 6), loss: round(line.loss[i]!) }),
      );
    }
    const panelE = {
      title: panelTitle('E', 'loss along straight lines'),
      width: SIDE * 1.2,
      height: SIDE * 0.75,
      layer: [
        {
          data: { name: 'ends' },
          mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#999999' },
          encoding: { x: { field: 'a', type: 'quantitative' as const } },
        },
        {
          data: { name: 'lines' },
          mark: { type: 'line' as const, strokeWidth: 1.3, opacity: 0.85 },
          encoding: {
            x: { field: 'a', type: 'quantitative' as const, title: 'a in (1 - a)·A + a·B', scale: { nice: false } },
            y: { field: 'loss', type: 'quantitative' as const, title: 'loss' },
            detail: { field: 'line', type: 'nominal' as const },
            stroke: {
              field: 'kind',
              type: 'nominal' as const,
              scale: { domain: ['within one basin', 'between two basins'], range: ['#1f77b4', '#d62728'] },
              legend: { title: null, orient: 'top' as const },
            },
          },
        },
      ],
    };

    // F: Figure 4's map; its trajectory colours by stroke and fill, apart from the shared loss colours
    const bgd = await loadBgd(ctx.inputs, 2);
    const noise = bgd.run.index.settings.bgd.noise[0]!;
    const mapF = mdsView(bgd.mds, noiseView(noise));
    const panelF = trajectoryPanel({
      title: 'F   BGD trajectories of Figure 4',
      subtitle: describeQuality(mapF),
      view: mapF.id,
      label: 'trainErrorLabel',
      tooltip: BGD_TOOLTIP,
      trajectories: legendOrder(bgd.run),
      size: SIDE,
      channels: 'stroke-fill',
    });

    const realNet = await realNetPanels(ctx, { width: SIDE * 1.2, height: SIDE * 0.75 });
    const spec = {
      title: { text: 'The landscape as a collection of basins (the basin model, and the real network in D′, E′)', fontSize: 15 },
      vconcat: [
        {
          resolve: INDEPENDENT,
          hconcat: [
            profilePanel('A', 'one basin in profile', 0, false),
            {
              title: panelTitle('B', 'the same basin from above'),
              width: SIDE,
              height: SIDE,
              layer: [heatmapLayer('zoom_plain', zoomPlain.entry, maxLoss)],
            },
            {
              title: panelTitle('C', 'a landscape of basins'),
              width: SIDE,
              height: SIDE,
              layer: [heatmapLayer('landscape', full.entry, maxLoss), floorLabels],
            },
          ],
        },
        { resolve: INDEPENDENT, hconcat: [panelD, panelE, panelF] },
        { resolve: INDEPENDENT, ...realNet.row },
        {
          resolve: INDEPENDENT,
          hconcat: [
            profilePanel('G', `basin-fractal in profile (${top} level${top === 1 ? '' : 's'})`, top, true),
            {
              title: panelTitle('H', 'basin-fractal from above'),
              width: SIDE,
              height: SIDE,
              layer: [heatmapLayer('zoom_fractal', zoomFractal.entry, maxLoss)],
            },
          ],
        },
      ],
      resolve: INDEPENDENT,
      config: { view: { stroke: '#dddddd' }, concat: { spacing: 22 }, axis: { labelFontSize: 9, titleFontSize: 10 } },
    } as TopLevelSpec;

    const small = p.runs.filter((r) => r.size === 'small');
    const large = p.runs.filter((r) => r.size === 'large');
    const home = (rs: typeof small) => rs.filter((r) => r.endBasin === p.startBasin).length;
    const properties = [...perturbationChecks(p), ...interpolationChecks(a.interpolation)];
    const regime = bgdRegime(bgd.run, noise);
    const s = a.params;
    const caption = [
      `The paper's picture of the loss surface of an overparametrized network, computed instead of drawn: a landscape that is a set of ` +
        `basins, each with a flat bottom on which the loss is exactly zero (a degenerate minimum of positive area) and walls that rise ` +
        `around it. ${describeLandscape(a)}`,
      `**A, B** One basin (number ${a.model.focus + 1}, the one nearest the centre) along the line through its centre and from above. ` +
        `**C** The whole landscape; floors are numbered. Colour is loss on a scale that is linear up to 0.1 and logarithmic above, shared by all maps.`,
      `**D** Start at the centre of floor ${p.startBasin + 1}, add Gaussian noise to both coordinates, then retrain by plain gradient ` +
        `descent (step ${s.runs.stepSize}, move capped at ${s.runs.maxMove}, up to ${s.perturb.steps} steps). The dashed circle is the margin (${round(p.margin, 3)}): half the ` +
        `distance to the nearest other floor, inside which descent provably returns. Small perturbations (std ${round(p.std.small, 3)} = ` +
        `${s.perturb.small} × margin): ${home(small)} of ${small.length} runs come back to the same floor. Large ones (std ${round(p.std.large, 3)} = ` +
        `${s.perturb.large} × margin): ${home(large)} of ${large.length} come back and ${large.filter((r) => r.endBasin >= 0 && r.endBasin !== p.startBasin).length} settle on another floor. ` +
        `The first ${SHOWN_PER_SIZE} runs of each size are drawn, each joined to the point where retraining stopped.`,
      `**E** Loss along straight lines between retrained end points, extended past both ends (a from ${s.interpolation.from} to ` +
        `${s.interpolation.to}, end points at a = 0 and 1, dashed). Two points on one floor are joined through the floor itself, so ` +
        `the loss between them stays at zero, no higher than their mean; two points on different floors are separated by a wall, and ` +
        `the loss on the way climbs above both.`,
      `**F** The map of Figure 4 (experiment E4), from the trained network rather than the model: batch gradient descent from a random ` +
        `start, its branches kicked by ${noise} x S at epochs ${bgd.run.index.settings.bgd.branchEpochs.join(', ')} and the epoch-wise averages of each ` +
        `branch with the main trajectory, placed by MDS of the layer-2 weights and labelled by training error ("NaN": the random initial ` +
        `models, not evaluated). ${describeOutcome(bgd.run, noise)} ${describeRegime(regime)}`,
      realNet.caption,
      `**G, H** The basin-fractal: the same landscape with ${top} level${top === 1 ? '' : 's'} of smaller flat-bottomed basins cut into ` +
        `its walls, in profile (grey: without them) and from above. The zero-loss floors are unchanged; what changes is that a descent ` +
        `can pause in the small basins on its way down (Figure 7).`,
      provenance(a, ctx.profile.name),
    ].join('\n\n');

    return {
      spec,
      tables: {
        profile,
        landscape: gridRows(full.values, full.entry),
        zoom_plain: gridRows(zoomPlain.values, zoomPlain.entry),
        zoom_fractal: gridRows(zoomFractal.values, zoomFractal.entry),
        floors,
        perturbations: perturbRows,
        margin: circle,
        start: [{ x: coord(p.start.x), y: coord(p.start.y) }],
        lines: lineRows,
        ends: [{ a: 0 }, { a: 1 }],
        points: bgdPointRows(bgd.run, bgd.mds, [mapF.id]),
        ...realNet.tables,
      },
      caption,
      properties,
      regime: combineRegimes([regime, realNet.regime]),
    };
  },
};
