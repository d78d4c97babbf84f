// Figure 2: the polynomial net against the ReLU net. A and B: the activations the nets were
// trained with (ReLU and its polynomial fits, as evaluated, clamp included), over the fitted
// interval and close to the kink at 0; C and D: training and test error per epoch of each net,
// each seed faint and their mean bold.
import type { TopLevelSpec } from 'vega-lite';
import { activationAt } from '../pipeline/engine/activation.ts';
import { describeRegime, regimeOf } from '../pipeline/experiments/kit/regime.ts';
import { recordsOf } from '../pipeline/experiments/kit/snapshots.ts';
import { readPolynomialNetResults, type NetResults } from '../pipeline/experiments/polynomial-net/results.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import { describeData } from './sgd-trajectories.ts';
import type { FigureModule, Row } from './types.ts';

export interface Fig02Params {
  data: DataSettings;
}

const STEP = 'experiment:polynomial-net';
const WIDTH = 300;
const COLOURS = ['#000000', '#d62728', '#1f77b4', '#2ca02c', '#ff7f0e'];
/** the close-up of panel B: |x| up to this */
const NEAR = 1;
const SAMPLES = 401;

const r = (v: number, digits = 6): number => Number(v.toPrecision(digits));
const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

export function netColours(nets: NetResults[]): { domain: string[]; range: string[] } {
  return { domain: nets.map((n) => n.net.label), range: nets.map((_, i) => COLOURS[i % COLOURS.length]!) };
}

export const figure: FigureModule<Fig02Params> = {
  async build(ctx) {
    const ref = ctx.inputs[STEP];
    if (!ref) throw new Error(`Figure 2 needs the artifact of '${STEP}'`);
    const { index, relu, main, nets } = await readPolynomialNetResults(ref);
    const { a, poly, net } = index.settings;
    const colour = netColours(nets);
    const span = a + 1;

    const curveRows: Row[] = nets.flatMap((n) =>
      Array.from({ length: SAMPLES }, (_, i) => {
        const x = -span + (2 * span * i) / (SAMPLES - 1);
        return { net: n.net.label, x: r(x), y: r(activationAt(n.net.activation, x)) };
      }),
    );
    const errorRows: Row[] = nets.flatMap((n) =>
      n.trajectories.flatMap((t) =>
        recordsOf(t).flatMap((e) => [
          { net: n.net.label, seed: Number(t.meta['seed']), epoch: e.epoch, split: 'training', error: r(e.trainError), loss: r(e.trainLoss) },
          { net: n.net.label, seed: Number(t.meta['seed']), epoch: e.epoch, split: 'test', error: r(e.testError), loss: r(e.testLoss) },
        ]),
      ),
    );
    const meanRows: Row[] = [];
    for (const n of nets) {
      for (const split of ['training', 'test']) {
        const rows = errorRows.filter((x) => x.net === n.net.label && x.split === split);
        for (const epoch of [...new Set(rows.map((x) => x.epoch as number))]) {
          const at = rows.filter((x) => x.epoch === epoch);
          const mean = (f: string) => r(at.reduce((s, x) => s + (x[f] as number), 0) / at.length);
          meanRows.push({ net: n.net.label, epoch, split, error: mean('error'), loss: mean('loss'), seeds: at.length });
        }
      }
    }
    const preRows: Row[] = nets.flatMap((n) =>
      n.trajectories.flatMap((t) =>
        recordsOf(t).flatMap((e) =>
          e.preActivations
            ? e.preActivations.outside.map((o, l) => ({ net: n.net.label, seed: Number(t.meta['seed']), epoch: e.epoch, layer: l + 2, outside: o, total: e.preActivations!.total[l]!, share: r(o / e.preActivations!.total[l]!), maxAbs: r(e.preActivations!.maxAbs[l]!) }))
            : [],
        ),
      ),
    );

    const legend = { title: null, orient: 'top-left' as const, labelLimit: 260 };
    const curvePanel = (title: string, near: boolean) => ({
      title: { text: title, anchor: 'start' as const, fontSize: 12 },
      width: WIDTH,
      height: 200,
      data: { name: 'activations' },
      transform: near ? [{ filter: `abs(datum.x) <= ${NEAR}` }] : [],
      mark: { type: 'line' as const, strokeWidth: 1.4, clip: true },
      encoding: {
        x: { field: 'x', type: 'quantitative' as const, title: 'x (pre-activation)', scale: { nice: false, domain: near ? [-NEAR, NEAR] : [-span, span] } },
        y: { field: 'y', type: 'quantitative' as const, title: 'activation' },
        color: { field: 'net', type: 'nominal' as const, scale: colour, legend },
        strokeDash: { field: 'net', type: 'nominal' as const, scale: { domain: colour.domain, range: colour.domain.map((_, i) => (i === 0 ? [5, 3] : [1, 0])) }, legend },
      },
    });
    const errorPanel = (title: string, split: string) => ({
      title: { text: title, anchor: 'start' as const, fontSize: 12 },
      width: WIDTH,
      height: 200,
      layer: [
        {
          data: { name: 'errors' },
          transform: [{ filter: { field: 'split', equal: split } }],
          mark: { type: 'line' as const, strokeWidth: 0.8, opacity: 0.3 },
          encoding: {
            x: { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
            y: { field: 'error', type: 'quantitative' as const, title: `${split} error`, axis: { format: '.0%' } },
            color: { field: 'net', type: 'nominal' as const, scale: colour, legend: { title: null, orient: 'bottom-left' as const, labelLimit: 260 } },
            detail: { field: 'seed', type: 'nominal' as const },
          },
        },
        {
          data: { name: 'means' },
          transform: [{ filter: { field: 'split', equal: split } }],
          mark: { type: 'line' as const, strokeWidth: 2, point: { size: 16 } },
          encoding: {
            x: { field: 'epoch', type: 'quantitative' as const },
            y: { field: 'error', type: 'quantitative' as const },
            color: { field: 'net', type: 'nominal' as const, scale: colour },
            tooltip: [
              { field: 'net', type: 'nominal' as const },
              { field: 'epoch', type: 'quantitative' as const },
              { field: 'error', type: 'quantitative' as const, format: '.1%', title: `${split} error (mean)` },
              { field: 'loss', type: 'quantitative' as const, format: '.3f', title: `${split} loss (mean)` },
            ],
          },
        },
      ],
    });

    const spec = {
      title: { text: 'A polynomial net trains like a ReLU net', fontSize: 15 },
      vconcat: [
        {
          resolve: { scale: { color: 'independent', strokeDash: 'independent' } },
          hconcat: [curvePanel(`A   the activations on [-${span}, ${span}]`, false), curvePanel(`B   close to 0 (|x| <= ${NEAR})`, true)],
        },
        { resolve: { scale: { color: 'independent', y: 'shared' } }, hconcat: [errorPanel('C   training error per epoch', 'training'), errorPanel('D   test error per epoch', 'test')] },
      ],
      resolve: { scale: { color: 'independent', strokeDash: 'independent' } },
      config: { view: { stroke: '#dddddd' }, concat: { spacing: 24 }, axis: { labelFontSize: 9, titleFontSize: 10 } },
    } as TopLevelSpec;

    const finals = [...relu.finals, ...main.finals];
    const regime = regimeOf(finals.map((f) => f.trainError), `the final ReLU and degree-${poly.degree} nets`);
    const outside = main.outside!;
    const seeds = `${poly.seeds} seed${poly.seeds > 1 ? 's' : ''}`;
    const others = nets.filter((n) => n !== relu && n !== main);
    const caption = [
      `The paper's counting argument is exact for a network whose nonlinearity is a polynomial. Here every ReLU of the DCNN is ` +
        `replaced by the least-squares polynomial fit of ReLU on [-${a}, ${a}] (the fits of Figure 39): degree ${poly.degree}` +
        `${others.length ? `, and also ${others.map((n) => n.net.degree).join(' and ')}` : ''}. The fit is applied to the batch-normalised ` +
        `pre-activations; ` +
        (poly.outside === 'clamp'
          ? `outside [-${a}, ${a}], where the polynomial runs away, it is held at its value at the nearer end (the input is clamped), so the activation is the polynomial wherever batch norm puts nearly all inputs, and bounded elsewhere.`
          : `it is the bare polynomial everywhere, also outside [-${a}, ${a}] where it runs away.`),
      `**A** ReLU (dashed) and the activations as the nets use them; **B** close to the kink at 0, where a smooth curve cannot follow ` +
        `ReLU exactly (the degree-${poly.degree} fit is ${r(activationAt(main.net.activation, 0), 3)} at x = 0, against ReLU's 0). **C**, **D** Training and test error after ` +
        `every epoch, for ${seeds} per net (faint) and their mean (bold). The nets of one seed start from the same weights and see the ` +
        `mini-batches in the same order.`,
      `This build: the DCNN with ${net.width} channels per hidden layer, trained on ${describeData(ctx.params.data)} with plain SGD ` +
        `(learning rate ${poly.learningRate}, batch size ${poly.batchSize}) for ${poly.epochs} epochs. After the last epoch the ReLU net ` +
        `averages ${pct(relu.meanTrainError)} training and ${pct(relu.meanTestError)} test error, the degree-${poly.degree} net ` +
        `${pct(main.meanTrainError)} and ${pct(main.meanTestError)}` +
        `${others.map((n) => `, degree ${n.net.degree} ${pct(n.meanTrainError)} and ${pct(n.meanTestError)}`).join('')}. ` +
        `During training ${(100 * outside.share).toFixed(2)}% of the degree-${poly.degree} net's pre-activations fell outside ` +
        `[-${a}, ${a}] (by layer 2-5: ${outside.perLayer.map((s) => `${(100 * s).toFixed(2)}%`).join(', ')}; worst epoch ` +
        `${(100 * outside.worstEpochShare).toFixed(2)}%; largest |x| ${outside.maxAbs.toFixed(1)}); the table \`preActivations\` has them ` +
        `by net, seed, epoch and layer. ${describeRegime(regime)}`,
    ].join('\n\n');

    return { spec, tables: { activations: curveRows, errors: errorRows, means: meanRows, preActivations: preRows }, caption, regime };
  },
};
