// Figures 9 and 44: the DCNN at increasing width, trained until it fits its training set (or to
// the epoch cap), with the natural labels (Figure 9) or shuffled ones (Figure 44). A: final
// training and test error against the number of parameters, on a log axis, with the number of
// training images N marked (and chance, with shuffled labels); B: how many epochs each net trained.
import type { TopLevelSpec } from 'vega-lite';
import { describeRegime, regimeOf, type Regime } from '../pipeline/experiments/kit/regime.ts';
import { CHANCE_ERROR, readOverparametrizationResults, type WidthResults } from '../pipeline/experiments/overparametrization/results.ts';
import type { Labelling } from '../pipeline/experiments/overparametrization/step.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import { describeData } from './sgd-trajectories.ts';
import type { FigureModule, Row } from './types.ts';

export interface OverparametrizationFigureParams {
  labels: Labelling;
  data: DataSettings;
}

const STEP = 'experiment:overparametrization';
const SPLIT_COLOURS = { domain: ['training', 'test'], range: ['#1f77b4', '#d62728'] };
const r = (v: number, digits = 6): number => Number(v.toPrecision(digits));
const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
const count = (v: number): string => v.toLocaleString('en-US');

function regimeFor(labels: Labelling, widths: WidthResults[], trainImages: number): Regime {
  if (labels === 'shuffled') {
    const largest = widths[widths.length - 1]!;
    return regimeOf(largest.finals.map((f) => f.trainError), `the widest nets (width ${largest.width})`);
  }
  const over = widths.filter((w) => w.parameters >= 2 * trainImages);
  const judged = over.length ? over : [widths[widths.length - 1]!];
  return regimeOf(judged.flatMap((w) => w.finals.map((f) => f.trainError)), over.length ? `the nets with at least 2 N parameters` : `the widest nets (width ${judged[0]!.width})`);
}

export const figure: FigureModule<OverparametrizationFigureParams> = {
  async build(ctx) {
    const ref = ctx.inputs[STEP];
    if (!ref) throw new Error(`Figures 9 and 44 need the artifact of '${STEP}'`);
    const { labels } = ctx.params;
    const { index, trainImages, widths: all } = await readOverparametrizationResults(ref);
    const widths = all[labels];
    const { over, net } = index.settings;

    const netRows: Row[] = widths.flatMap((w) =>
      w.trajectories.flatMap((t, i) => {
        const f = w.finals[i]!;
        const common = { width: w.width, parameters: w.parameters, seed: Number(t.meta['seed']), epochs: f.epoch, converged: t.stoppedAt !== undefined };
        return [
          { ...common, split: 'training', error: r(f.trainError), loss: r(f.trainLoss) },
          { ...common, split: 'test', error: r(f.testError), loss: r(f.testLoss) },
        ];
      }),
    );
    const meanRows: Row[] = widths.flatMap((w) => [
      { width: w.width, parameters: w.parameters, split: 'training', error: r(w.meanTrainError) },
      { width: w.width, parameters: w.parameters, split: 'test', error: r(w.meanTestError) },
    ]);
    const outcomes = ['fits its training set', `stopped at the cap of ${over.maxEpochs} epochs`];
    const epochRows: Row[] = netRows.filter((x) => x.split === 'training').map(({ width, parameters, seed, epochs, converged }) => ({ width, parameters, seed, epochs, outcome: outcomes[converged ? 0 : 1]! }));
    const referenceRows: Row[] = [{ parameters: trainImages, label: `N = ${count(trainImages)} training images` }];
    const chanceRows: Row[] = [{ error: r(CHANCE_ERROR), label: `chance (${pct(CHANCE_ERROR)})` }];

    const lo = Math.min(...widths.map((w) => w.parameters), trainImages) / 1.6;
    const hi = Math.max(...widths.map((w) => w.parameters), trainImages) * 1.6;
    const x = { field: 'parameters', type: 'quantitative' as const, title: 'number of parameters K (log scale)', scale: { type: 'log' as const, domain: [r(lo, 3), r(hi, 3)], nice: false } };
    const nLine = [
      { data: { name: 'references' }, mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#555' }, encoding: { x: { field: 'parameters', type: 'quantitative' as const } } },
      { data: { name: 'references' }, mark: { type: 'text' as const, align: 'left' as const, baseline: 'top' as const, dx: 4, y: 4, fontSize: 9, color: '#555' }, encoding: { x: { field: 'parameters', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } } },
    ];
    const chanceLine =
      labels === 'shuffled'
        ? [
            { data: { name: 'chance' }, mark: { type: 'rule' as const, strokeDash: [2, 2], color: '#999' }, encoding: { y: { field: 'error', type: 'quantitative' as const } } },
            { data: { name: 'chance' }, mark: { type: 'text' as const, align: 'right' as const, baseline: 'top' as const, x: 'width' as const, dx: -2, dy: 3, fontSize: 9, color: '#777' }, encoding: { y: { field: 'error', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } } },
          ]
        : [];

    const spec = {
      title: { text: labels === 'natural' ? 'Overparametrization does not harm generalization' : 'Overparametrization with shuffled labels', fontSize: 15 },
      hconcat: [
        {
          title: { text: 'A   final error against the number of parameters', anchor: 'start' as const, fontSize: 12 },
          width: 340,
          height: 240,
          layer: [
            ...nLine,
            ...chanceLine,
            {
              data: { name: 'nets' },
              mark: { type: 'point' as const, filled: true, size: 22, opacity: 0.45 },
              encoding: {
                x,
                y: { field: 'error', type: 'quantitative' as const, title: 'error', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
                color: { field: 'split', type: 'nominal' as const, scale: SPLIT_COLOURS, legend: { title: null, orient: 'bottom-left' as const } },
                tooltip: [
                  { field: 'width', type: 'quantitative' as const },
                  { field: 'parameters', type: 'quantitative' as const, format: ',' },
                  { field: 'seed', type: 'quantitative' as const },
                  { field: 'split', type: 'nominal' as const },
                  { field: 'error', type: 'quantitative' as const, format: '.1%' },
                  { field: 'epochs', type: 'quantitative' as const },
                ],
              },
            },
            {
              data: { name: 'means' },
              mark: { type: 'line' as const, strokeWidth: 2 },
              encoding: { x, y: { field: 'error', type: 'quantitative' as const }, color: { field: 'split', type: 'nominal' as const, scale: SPLIT_COLOURS } },
            },
          ],
        },
        {
          title: { text: 'B   epochs trained', anchor: 'start' as const, fontSize: 12 },
          width: 240,
          height: 240,
          layer: [
            ...nLine,
            {
              data: { name: 'epochs' },
              mark: { type: 'point' as const, filled: true, size: 26, opacity: 0.6 },
              encoding: {
                x,
                y: { field: 'epochs', type: 'quantitative' as const, title: 'epochs', scale: { domain: [0, over.maxEpochs] } },
                shape: { field: 'outcome', type: 'nominal' as const, scale: { domain: outcomes, range: ['circle', 'square'] }, legend: { title: null, orient: 'bottom-left' as const, labelLimit: 260 } },
                color: { value: '#444' },
              },
            },
          ],
        },
      ],
      resolve: { legend: { color: 'independent', shape: 'independent' } },
      config: { view: { stroke: '#dddddd' }, concat: { spacing: 28 }, axis: { labelFontSize: 9, titleFontSize: 10 } },
    } as TopLevelSpec;

    const regime = regimeFor(labels, widths, trainImages);
    const fitting = widths.filter((w) => w.fits);
    const seeds = `${over.seeds} seed${over.seeds > 1 ? 's' : ''}`;
    const perWidth = widths.map((w) => `width ${w.width} (K = ${count(w.parameters)}): ${pct(w.meanTrainError)} / ${pct(w.meanTestError)}`).join('; ');
    const caption = [
      `The same DCNN at ${widths.length} widths (channels per hidden layer ${widths.map((w) => w.width).join(', ')}), so that its number of ` +
        `parameters K runs from ${count(widths[0]!.parameters)} to ${count(widths[widths.length - 1]!.parameters)} against N = ` +
        `${count(trainImages)} training images (${r(widths[0]!.parameters / trainImages, 2)} N to ${r(widths[widths.length - 1]!.parameters / trainImages, 2)} N; dashed line). ` +
        `Each net is trained with plain SGD (learning rate ${over.learningRate}, batch size ${over.batchSize}) until it classifies every ` +
        `training image correctly${over.targetTrainError > 0 ? ` (up to ${pct(over.targetTrainError)} error)` : ''}, or for at most ${over.maxEpochs} epochs, ` +
        `from ${seeds} (initial weights and mini-batch order).` +
        (labels === 'shuffled'
          ? ` The training labels are shuffled: a random permutation of them, one per seed and the same for every width, so every class keeps ` +
            `its size but an image's label says nothing about the image. Test labels are the true ones; guessing gets ${pct(CHANCE_ERROR)} of them wrong.`
          : ' The labels are the natural ones.'),
      `**A** Final training and test error of every net (points) and their means over seeds (lines). **B** The epochs each net trained: ` +
        `those that fit their training set stopped there, the others at the cap.`,
      `This build: ${describeData(ctx.params.data)}; batch norm evaluated with the statistics of the first ${net.bnCalibration} training images. ` +
        `Mean training / test error by width: ${perWidth}. ` +
        (fitting.length ? `The smallest width at which every seed fits its training set: ${fitting[0]!.width} (K = ${count(fitting[0]!.parameters)}). ` : 'At no width does every seed fit its training set. ') +
        describeRegime(regime),
    ].join('\n\n');

    return {
      spec,
      tables: { nets: netRows, means: meanRows, epochs: epochRows, references: referenceRows, ...(labels === 'shuffled' ? { chance: chanceRows } : {}) },
      caption,
      regime,
    };
  },
};
