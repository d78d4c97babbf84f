// The real-network versions of Figure 1's panels D and E, drawn beside the basin model's: the
// training error along straight lines from M_final to its retrained copies after a small and a
// large kick (D), and along lines within one basin and between basins (E), from E5 and E6.
// Figure 1 adds the row this returns (and E5's and E6's steps to its inputs); its tables are
// prefixed so they never meet the basin model's.
import { FIGURE_5_K } from '../pipeline/experiments/flat-minima/experiment.ts';
import { barrier, type LineProfile } from '../pipeline/experiments/interpolation/artifact.ts';
import { describeRegime, regimeOf, type Regime } from '../pipeline/experiments/kit/regime.ts';
import { lastEpoch } from '../pipeline/experiments/kit/snapshots.ts';
import { loadFlatMinima, pct } from './flat-minima-panels.ts';
import { describeLines, lineRows, loadInterpolation, profilePanel } from './line-panels.ts';
import type { FigureContext, Row } from './types.ts';

export interface RealNetPanels {
  /** one row of two panels, for the figure's vconcat */
  row: { hconcat: unknown[] };
  tables: Record<string, Row[]>;
  caption: string;
  regime: Regime;
}

const KICK_COLOURS = ['#1f77b4', '#6baed6', '#fdae6b', '#e6550d'];
const barriers = (lines: LineProfile[]) => lines.map((l) => barrier(l).aboveWorse);
const span = (v: number[]) => (pct(Math.min(...v)) === pct(Math.max(...v)) ? pct(v[0]!) : `${pct(Math.min(...v))}-${pct(Math.max(...v))}`);

export async function realNetPanels(ctx: FigureContext<unknown>, size: { width: number; height: number }): Promise<RealNetPanels> {
  const e6 = await loadInterpolation(ctx);
  const e5 = await loadFlatMinima(ctx);
  const ks = [...e5.settings.flat.ks].sort((a, b) => a - b);
  const small = FIGURE_5_K;
  const kickLabel = (k: number) => `kick of ${k} x S`;
  const kicks = e6.lines.filter((l) => l.kind === 'from-final');
  const within = e6.lines.filter((l) => l.kind === 'within' && l.k === small);
  const between = e6.lines.filter((l) => l.kind === 'between');
  const WITHIN = 'within one basin';
  const BETWEEN = 'between two basins';
  const panelD = profilePanel({
    title: 'D′   the real net: kick, retrain, look back',
    table: 'real_kicks',
    measure: 'trainError',
    // from the smallest kick to the largest: blue to orange
    groups: { domain: ks.map(kickLabel), range: ks.map((_, i) => KICK_COLOURS[Math.round((i * (KICK_COLOURS.length - 1)) / Math.max(1, ks.length - 1))]!), title: null },
    ...size,
    x: { field: 'a', title: 'a: M_final (0) to the retrained copy (1)' },
    rules: 'real_ends',
  });
  const panelE = profilePanel({
    title: 'E′   the real net: straight lines',
    table: 'real_lines',
    measure: 'trainError',
    groups: { domain: [WITHIN, BETWEEN], range: ['#1f77b4', '#d62728'], title: null },
    ...size,
    rules: 'real_ends',
  });
  const byK = ks.map((k) => {
    const lines = kicks.filter((l) => l.k === k);
    return `${span(barriers(lines))} after ${kickLabel(k)} (the copies end at ${span(lines.map((l) => barrier(l).ends[1]))} training error)`;
  });
  const caption =
    `**D′, E′** The same two experiments on the real network (experiments E5 and E6; Figures 5, 36-38, 41 and 42 give them in full). ` +
    `**D′** M_final, a model at a global minimum, is kicked by Gaussian noise of k x S per layer and retrained with full-batch GD; each line ` +
    `goes straight from M_final (a = 0) to where retraining ended (a = 1). The rise of the training error on the way above the worse end: ` +
    `${byK.join('; ')}. **E′** Lines between two retrained copies of M_final (blue; the ` +
    `highest point rises ${span(within.map((l) => barrier(l).aboveMean))} above the mean of the ends) and between global minima trained from ` +
    `different random initializations (red; ${span(barriers(between))} above the worse end). ${describeLines(e6)}`;
  const errors = [e5.minimum(1).epoch.trainError, ...e5.copies(small).map((t) => lastEpoch(t).trainError)];
  const regime = regimeOf(errors, `M_final and its ${errors.length - 1} copies kicked by ${small} x S (panels D′, E′)`);
  return {
    row: { hconcat: [panelD, panelE] },
    tables: {
      real_kicks: lineRows(kicks, (l) => kickLabel(l.k!)),
      real_lines: [...lineRows(within, () => WITHIN), ...lineRows(between, () => BETWEEN)],
      real_ends: [{ a: 0 }, { a: 1 }],
    },
    caption: `${caption} ${describeRegime(regime)}`,
    regime,
  };
}
