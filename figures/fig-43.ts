// Figure 43: the loss and error along random filter-normalized directions around the global
// minimum M_final, against the same around an early model of its training (M5 in the paper).
import type { TopLevelSpec } from 'vega-lite';
import { FLAT_RADIUS, staysFlat, type DirectionCentre, type DirectionProfile } from '../pipeline/experiments/interpolation/artifact.ts';
import { minimaCount } from '../pipeline/experiments/flat-minima/artifact.ts';
import { describeRegime, regimeOf } from '../pipeline/experiments/kit/regime.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import { describeMinimum, loadFlatMinima, pct } from './flat-minima-panels.ts';
import { loadInterpolation, profilePanel, type Measure } from './line-panels.ts';
import type { FigureModule, Row } from './types.ts';

export interface DirectionsParams {
  data: DataSettings;
}

const PANEL = 250;
const round = (v: number) => Number(v.toPrecision(5));

function rows(profiles: DirectionProfile[], group: string): Row[] {
  return profiles.flatMap((p) =>
    p.t.map((t, i) => ({ line: `direction ${p.direction}`, label: `direction ${p.direction}`, group, t, trainError: round(p.trainError[i]!), testError: round(p.testError[i]!), trainLoss: round(p.trainLoss[i]!), testLoss: round(p.testLoss[i]!) })),
  );
}

export const figure: FigureModule<DirectionsParams> = {
  async build(ctx) {
    const e6 = await loadInterpolation(ctx);
    const e5 = await loadFlatMinima(ctx);
    const early = `M${e6.earlyEpoch} (epoch ${e6.earlyEpoch} of its SGD run)`;
    const names: Record<DirectionCentre, string> = { final: 'M_final', early };
    const of = (c: DirectionCentre) => e6.directions.filter((d) => d.centre === c);
    const tables = { final: rows(of('final'), names.final), early: rows(of('early'), names.early), radius: [{ t: -FLAT_RADIUS }, { t: FLAT_RADIUS }] };
    const groups = { domain: [names.final, names.early], range: ['#1f77b4', '#d62728'], title: null };
    const { span, count, points } = e6.settings.interpolation.directions;
    const panel = (letter: string, centre: DirectionCentre, measure: Measure, text: string) =>
      profilePanel({ title: `${letter}   ${text}, around ${centre === 'final' ? 'M_final' : `M${e6.earlyEpoch}`}`, table: centre, measure, groups, width: PANEL, height: PANEL * 0.62, x: { field: 't', title: 't (a step of t moves every filter by t times its norm)' }, rules: 'radius' });
    const spec = {
      title: { text: 'Flatness around the global minimum and around an early model', fontSize: 15 },
      vconcat: [
        { hconcat: [panel('A1', 'final', 'trainError', 'training error'), panel('A2', 'early', 'trainError', 'training error')] },
        { hconcat: [panel('B1', 'final', 'trainLoss', 'training loss'), panel('B2', 'early', 'trainLoss', 'training loss')] },
        { hconcat: [panel('C1', 'final', 'testError', 'test error'), panel('C2', 'early', 'testError', 'test error')] },
      ],
      resolve: { scale: { y: 'independent' } },
      config: { view: { stroke: '#dddddd' }, concat: { spacing: 22 }, axis: { labelFontSize: 9, titleFontSize: 10 } },
    } as TopLevelSpec;

    const flat = (c: DirectionCentre) => of(c).filter((d) => staysFlat(d)).length;
    const centreError = (c: DirectionCentre) => of(c)[0]!.trainError[of(c)[0]!.t.indexOf(0)]!;
    const curvature = (c: DirectionCentre) => {
      const v = of(c).map((d) => d.curvature).sort((x, y) => x - y);
      const r = (x: number) => Number(x.toPrecision(3));
      return `${r(v[0]!)} to ${r(v[v.length - 1]!)} (median ${r(v[v.length >> 1]!)})`;
    };
    const minima = Array.from({ length: minimaCount(e5.settings.flat) }, (_, i) => e5.minimum(i + 1).epoch.trainError);
    const regime = regimeOf(minima, `the ${minima.length} global minima (M_final among them)`);
    const caption = [
      `How flat is the global minimum, next to a model early in training? ${describeMinimum(e5, ctx.params.data)} The early model is ${early}, at ` +
        `${pct(centreError('early'))} training error.`,
      `Around each of the two models, ${count} random directions d are drawn (Gaussian, one per direction, the same draws around both) and ` +
        `filter-normalized: each filter of d, one output channel of a layer's kernel, is rescaled to the norm of the same filter of the model; ` +
        `the last layer's bias is left alone. With batch norm after every hidden convolution the network does not see the scale of a filter, only ` +
        `its direction, so this makes a step of t the same relative move everywhere. Each line is the model w + t·d at ${points} evenly ` +
        `spaced t from -${span} to ${span}; batch norm statistics are recomputed for each model on the first ${e6.settings.net.bnCalibration} training images.`,
      `The dashed rules mark t = ±${FLAT_RADIUS}, about the size of Figure 5's kick of ${FLAT_RADIUS} x S. Within them, the training error stays within ` +
        `0.5 point of the centre's along ${flat('final')} of ${count} directions around M_final and ${flat('early')} of ${count} around M${e6.earlyEpoch}. ` +
        `The curvature of the training loss at t = 0 (second difference over one grid step): ${curvature('final')} around M_final, ${curvature('early')} ` +
        `around M${e6.earlyEpoch}. Each column has its own vertical scale.`,
      describeRegime(regime),
    ].join('\n\n');
    return { spec, tables, caption, regime };
  },
};
