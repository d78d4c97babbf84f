// Figure 45: the degeneracy of the zero-error minima. A: the spectrum of E5's converged copies
// around M_final (how many directions their spread takes). B: the curvature of the training loss
// along E6's random directions at M_final and at the early model. C: the exact check of
// Corollary 1 on a small regression net: the Hessian's eigenvalues at a zero-loss fit and at the
// random start, with N x C marked.
import type { TopLevelSpec } from 'vega-lite';
import { DEGENERACY_STEP, readDegeneracy } from '../pipeline/analysis/degeneracy/artifact.ts';
import { RANK_TOLERANCE } from '../pipeline/analysis/degeneracy/corollary.ts';
import { FIGURE_5_K } from '../pipeline/experiments/flat-minima/experiment.ts';
import { describeRegime, regimeOf } from '../pipeline/experiments/kit/regime.ts';
import { lastEpoch } from '../pipeline/experiments/kit/snapshots.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import { describeMinimum, loadFlatMinima, pct } from './flat-minima-panels.ts';
import { loadInterpolation } from './line-panels.ts';
import type { FigureModule, Row } from './types.ts';

export interface DegeneracyParams {
  data: DataSettings;
}

const W = 260;
const MATRICES = ['Hessian at the zero-loss fit', 'Gauss-Newton J^T J at the fit', 'Hessian at the random start'];
const H = 190;
const sci = (v: number) => v.toExponential(1);
const round = (v: number) => Number(v.toPrecision(5));

export const figure: FigureModule<DegeneracyParams> = {
  async build(ctx) {
    const d = await readDegeneracy(ctx.inputs[DEGENERACY_STEP]!);
    const e6 = await loadInterpolation(ctx);
    const e5 = await loadFlatMinima(ctx);
    const kLabel = (k: number | 'all') => (k === 'all' ? 'all copies' : `k = ${k}`);
    const spectrum: Row[] = d.copies.flatMap((s) => {
      const total = s.eigenvalues.reduce((a, b) => a + b, 0);
      return s.eigenvalues.map((v, i) => ({ set: kLabel(s.k), component: i + 1, share: total > 0 ? round(v / total) : 0 }));
    });
    const early = `M${e6.earlyEpoch}`;
    const curvature: Row[] = e6.directions.map((p) => ({ centre: p.centre === 'final' ? 'M_final' : early, direction: p.direction, curvature: round(p.curvature) }));
    const c = d.corollary;
    const eigen: Row[] = (
      [
        [MATRICES[0], c.hessian],
        [MATRICES[1], c.gaussNewton],
        [MATRICES[2], c.hessianAtStart],
      ] as const
    ).flatMap(([matrix, values]) => values.flatMap((v, i) => (v !== 0 ? [{ matrix, index: i + 1, magnitude: Math.abs(v) }] : [])));

    const title = (text: string) => ({ text, anchor: 'start' as const, fontSize: 12 });
    const spec = {
      title: { text: 'Degeneracy of the zero-error minima', fontSize: 15 },
      hconcat: [
        {
          title: title('A   spread of the copies around M_final'),
          width: W,
          height: H,
          data: { name: 'spectrum' },
          mark: { type: 'line' as const, point: true, strokeWidth: 1.2 },
          encoding: {
            x: { field: 'component', type: 'quantitative' as const, title: 'principal component', axis: { tickMinStep: 1 } },
            y: { field: 'share', type: 'quantitative' as const, title: 'share of the spread', axis: { format: '.0%' } },
            color: { field: 'set', type: 'nominal' as const, title: null, scale: { scheme: 'tableau10' }, legend: { orient: 'bottom' as const } },
          },
        },
        {
          title: title('B   curvature along random directions'),
          width: W * 0.6,
          height: H,
          data: { name: 'curvature' },
          mark: { type: 'point' as const, filled: true, size: 40, opacity: 0.7 },
          encoding: {
            x: { field: 'centre', type: 'nominal' as const, title: null, sort: ['M_final', early], axis: { labelAngle: 0 } },
            y: { field: 'curvature', type: 'quantitative' as const, title: 'curvature of the training loss' },
            color: { field: 'centre', type: 'nominal' as const, scale: { domain: ['M_final', early], range: ['#1f77b4', '#d62728'] }, legend: null },
            tooltip: [{ field: 'direction', type: 'quantitative' as const }, { field: 'curvature', type: 'quantitative' as const, format: '.4g' }],
          },
        },
        {
          title: title(`C   Corollary 1: K = ${c.weights} weights, N x C = ${c.equations}`),
          width: W,
          height: H,
          layer: [
            {
              data: { name: 'eigen' },
              mark: { type: 'line' as const, point: { size: 12 }, strokeWidth: 1 },
              encoding: {
                x: { field: 'index', type: 'quantitative' as const, title: 'eigenvalue (largest magnitude first)' },
                y: { field: 'magnitude', type: 'quantitative' as const, title: '|eigenvalue|', scale: { type: 'log' as const }, axis: { format: '.0e' } },
                color: { field: 'matrix', type: 'nominal' as const, title: null, scale: { domain: MATRICES, range: ['#d62728', '#1f77b4', '#aaaaaa'] }, legend: { orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 260 } },
              },
            },
            { data: { name: 'rank' }, mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#555555' }, encoding: { x: { field: 'index', type: 'quantitative' as const } } },
          ],
        },
      ],
      resolve: { scale: { color: 'independent' } },
      config: { view: { stroke: '#dddddd' }, concat: { spacing: 26 }, axis: { labelFontSize: 9, titleFontSize: 10 } },
    } as TopLevelSpec;

    const all = d.copies.find((s) => s.k === 'all')!;
    const perK = d.copies.filter((s) => s.k !== 'all');
    const finalCurv = e6.directions.filter((p) => p.centre === 'final').map((p) => p.curvature);
    const earlyCurv = e6.directions.filter((p) => p.centre === 'early').map((p) => p.curvature);
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
    const worstEnd = (k: number) => Math.max(...e5.copies(k).map((t) => lastEpoch(t).trainError));
    const copies = e5.copies(FIGURE_5_K).map((t) => lastEpoch(t).trainError);
    const regime = regimeOf([e5.minimum(1).epoch.trainError, ...copies], `M_final and its ${copies.length} copies kicked by ${FIGURE_5_K} x S`);
    const caption = [
      `Corollary 1 says the zero-error minima of an overparametrized network are degenerate: at such a minimum the loss is flat along at ` +
        `least K - N x C directions, K weights against N x C equations. ${describeMinimum(e5, ctx.params.data)}`,
      `**A** The converged copies of Figures 5 and 36-38 (M_final kicked by k x S and retrained) as displacements from M_final, all layers in ` +
        `one vector: the share of their spread carried by each principal component. Copies returning along a single valley would put it all ` +
        `on one component. Effective number of directions ((Σλ)² / Σλ²): ${perK.map((s) => `${s.participation.toFixed(1)} of ${s.copies} at k = ${s.k}`).join(', ')}, ` +
        `${all.participation.toFixed(1)} of ${all.copies} for all copies together; the copies end ${perK.map((s) => `${(100 * Math.min(...s.relativeDistance)).toFixed(1)}-${(100 * Math.max(...s.relativeDistance)).toFixed(1)} %`).join(', ')} ` +
        `of M_final's norm away from it (k = ${perK.map((s) => s.k).join(', ')}), at up to ${perK.map((s) => pct(worstEnd(Number(s.k)))).join(', ')} training error.`,
      `**B** The curvature of the training loss along the random filter-normalized directions of Figure 43, as the second difference over ` +
        `one grid step at t = 0: median ${sci(median(finalCurv))} at M_final against ${sci(median(earlyCurv))} at ${early}.`,
      `**C** A regression net small enough to compute exactly: ${c.settings.samples} random inputs of dimension ${c.settings.inputDim}, ` +
        `${c.settings.hidden} hidden units with the polynomial activation ${c.activation}, ${c.settings.outputs} outputs, random targets: ` +
        `K = ${c.weights} weights for N x C = ${c.equations} equations. Levenberg-Marquardt fits it from a random start (loss ${sci(c.lossAtStart)}) ` +
        `to a squared loss of ${sci(c.finalLoss)} in ${c.lossHistory.length} steps. There the Hessian has ${c.rank.hessian} eigenvalues above ` +
        `${RANK_TOLERANCE.toExponential(0)} x the largest (the dashed rule is N x C); the rest are at rounding level, so ${c.weights - c.rank.hessian} directions are flat. ` +
        `It coincides with the Gauss-Newton matrix J^T J (rank ${c.rank.gaussNewton}), whose rank cannot exceed N x C anywhere; the Hessian's can, ` +
        `and at the random start, away from zero loss, it is ${c.rank.hessianAtStart}.`,
      describeRegime(regime),
    ].join('\n\n');
    return { spec, tables: { spectrum, curvature, eigen, rank: [{ index: c.equations + 0.5 }] }, caption, regime };
  },
};
