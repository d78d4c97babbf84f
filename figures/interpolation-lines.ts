// Figures 41 and 42: training and test error and loss along straight lines between solutions.
// Figure 41 joins the converged copies of Figure 5 (one basin); Figure 42 joins global minima
// trained from different random initializations (different basins), with Figure 41's lines in
// grey for comparison. One module for both; the catalog's parameters say which.
import type { TopLevelSpec } from 'vega-lite';
import { minimaCount } from '../pipeline/experiments/flat-minima/artifact.ts';
import { FIGURE_5_K } from '../pipeline/experiments/flat-minima/experiment.ts';
import { barrier, type LineProfile } from '../pipeline/experiments/interpolation/artifact.ts';
import { describeRegime, regimeOf } from '../pipeline/experiments/kit/regime.ts';
import { lastEpoch } from '../pipeline/experiments/kit/snapshots.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import { describeMinimum, loadFlatMinima, pct } from './flat-minima-panels.ts';
import { describeLines, lineLabel, lineRows, loadInterpolation, profilePanel, type Measure } from './line-panels.ts';
import type { FigureModule } from './types.ts';

export interface InterpolationLinesParams {
  kind: 'within' | 'between';
  data: DataSettings;
}

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const CONTEXT = 'within one basin (Figure 41)';
const PANEL = 280;

const describeBarriers = (lines: LineProfile[]) =>
  lines.map((l) => {
    const b = barrier(l);
    return `${lineLabel(l)}: peak ${pct(b.highest)} against ends of ${pct(b.ends[0])} and ${pct(b.ends[1])}`;
  });

export const figure: FigureModule<InterpolationLinesParams> = {
  async build(ctx) {
    const { kind, data } = ctx.params;
    const e6 = await loadInterpolation(ctx);
    const e5 = await loadFlatMinima(ctx);
    const within = e6.lines.filter((l) => l.kind === 'within' && l.k === FIGURE_5_K);
    const between = e6.lines.filter((l) => l.kind === 'between');
    const shown = kind === 'within' ? within : between;
    if (shown.length === 0) throw new Error(kind === 'within' ? 'E6 has no line between two copies' : 'E6 has no line between two global minima: the run trains only one');
    const own = shown.map(lineLabel);
    const rows = [...lineRows(shown, lineLabel), ...(kind === 'between' ? lineRows(within, () => CONTEXT) : [])];
    const groups = {
      domain: kind === 'between' ? [...own, CONTEXT] : own,
      range: [...own.map((_, i) => COLOURS[i % COLOURS.length]!), ...(kind === 'between' ? ['#cccccc'] : [])],
      title: null,
    };
    const panel = (letter: string, measure: Measure, text: string) => profilePanel({ title: `${letter}   ${text}`, table: 'lines', measure, groups, width: PANEL, height: PANEL * 0.62, rules: 'ends', legend: 'right' });
    const spec = {
      title: { text: kind === 'within' ? 'Interpolation within a basin' : 'Interpolation between basins', fontSize: 15 },
      vconcat: [
        { hconcat: [panel('A', 'trainError', 'training error'), panel('B', 'testError', 'test error')] },
        { hconcat: [panel('C', 'trainLoss', 'training loss'), panel('D', 'testLoss', 'test loss')] },
      ],
      config: { view: { stroke: '#dddddd' }, concat: { spacing: 22 }, axis: { labelFontSize: 9, titleFontSize: 10 } },
    } as TopLevelSpec;

    const flat = e5.settings.flat;
    const ends = kind === 'within' ? e5.copies(FIGURE_5_K).map((t) => lastEpoch(t).trainError) : Array.from({ length: minimaCount(flat) }, (_, i) => e5.minimum(i + 1).epoch.trainError);
    const regime = regimeOf(ends, kind === 'within' ? `the ${ends.length} converged copies` : `the ${ends.length} global minima`);
    const what =
      kind === 'within'
        ? `Straight lines between every two of the ${flat.copies} converged copies of Figure 5 (M_final kicked by ${FIGURE_5_K} x S and retrained). ` +
          `If they lie on one flat floor, the training error along a line stays at or below the average of its ends, as it does on the floor of a basin.`
        : `Straight lines between every two of ${minimaCount(flat)} global minima, each trained by the recipe of M_final from its own random ` +
          `initialization (M_final is one of them). If they sit in different basins, the error on the way from one to the other climbs above both ` +
          `ends. Grey: the lines of Figure 41, between copies in one basin, for comparison.`;
    const caption = [
      what,
      describeMinimum(e5, data),
      describeLines(e6),
      `On the segment between the ends (0 <= a <= 1): ${describeBarriers(shown).join('; ')}.`,
      describeRegime(regime),
    ].join('\n\n');
    return { spec, tables: { lines: rows, ends: [{ a: 0 }, { a: 1 }] }, caption, regime };
  },
};
