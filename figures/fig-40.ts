// Figure 40: the confusion matrices of the ReLU net and the polynomial net of Figure 2 (seed 1's
// final models), training and test side by side. Cells are coloured by the share of their row
// (the true class) and labelled by their count.
import type { TopLevelSpec } from 'vega-lite';
import { SYNTHETIC_CLASS_NAMES } from '../pipeline/data/synthetic.ts';
import { CIFAR10_CLASS_NAMES } from '../pipeline/data/step.ts';
import { CLASSES } from '../pipeline/engine/net.ts';
import { describeRegime, regimeOf } from '../pipeline/experiments/kit/regime.ts';
import { readPolynomialNetResults, type NetResults } from '../pipeline/experiments/polynomial-net/results.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import { describeData } from './sgd-trajectories.ts';
import type { FigureModule, Row } from './types.ts';

export interface Fig40Params {
  data: DataSettings;
}

const STEP = 'experiment:polynomial-net';
const CELL = 22;
const SPLITS = [
  { key: 'train', label: 'training set' },
  { key: 'test', label: 'test set' },
] as const;

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

function matrixRows(n: NetResults, classes: readonly string[]): Row[] {
  const final = n.finals[0]!;
  if (!final.confusion) throw new Error(`the final ${n.net.label} net has no confusion matrices`);
  return SPLITS.flatMap(({ key, label }) => {
    const m = final.confusion![key];
    return Array.from({ length: CLASSES * CLASSES }, (_, i) => {
      const truth = Math.floor(i / CLASSES);
      const rowTotal = m.slice(truth * CLASSES, truth * CLASSES + CLASSES).reduce((a, b) => a + b, 0);
      return { panel: `${n.net.label}, ${label}`, net: n.net.label, split: label, truth: classes[truth]!, predicted: classes[i % CLASSES]!, count: m[i]!, share: rowTotal ? Number((m[i]! / rowTotal).toFixed(4)) : 0 };
    });
  });
}

export const figure: FigureModule<Fig40Params> = {
  async build(ctx) {
    const ref = ctx.inputs[STEP];
    if (!ref) throw new Error(`Figure 40 needs the artifact of '${STEP}'`);
    const { index, relu, main } = await readPolynomialNetResults(ref);
    const { poly, a, net } = index.settings;
    const classes = ctx.params.data.kind === 'synthetic' ? SYNTHETIC_CLASS_NAMES : CIFAR10_CLASS_NAMES;
    const rows = [...matrixRows(relu, classes), ...matrixRows(main, classes)];
    const panels = [relu, main].flatMap((n) => SPLITS.map((s) => `${n.net.label}, ${s.label}`));

    const spec = {
      title: { text: 'Confusion matrices of the ReLU net and the polynomial net', fontSize: 15 },
      data: { name: 'cells' },
      facet: { field: 'panel', type: 'nominal', sort: panels, title: null, header: { labelFontSize: 12, labelFontWeight: 'bold' } },
      columns: 2,
      spec: {
        width: CELL * CLASSES,
        height: CELL * CLASSES,
        encoding: {
          x: { field: 'predicted', type: 'ordinal', sort: [...classes], title: 'predicted class', axis: { labelAngle: -45 } },
          y: { field: 'truth', type: 'ordinal', sort: [...classes], title: 'true class' },
        },
        layer: [
          {
            mark: { type: 'rect' },
            encoding: {
              color: { field: 'share', type: 'quantitative', title: 'share of its row', scale: { scheme: 'blues', domain: [0, 1] }, legend: { format: '.0%' } },
              tooltip: [
                { field: 'truth', type: 'nominal', title: 'true' },
                { field: 'predicted', type: 'nominal' },
                { field: 'count', type: 'quantitative' },
                { field: 'share', type: 'quantitative', format: '.1%' },
              ],
            },
          },
          {
            mark: { type: 'text', fontSize: 8 },
            encoding: {
              text: { field: 'count', type: 'quantitative' },
              color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: '#333' },
            },
          },
        ],
      },
      config: { view: { stroke: '#dddddd' }, axis: { labelFontSize: 9, titleFontSize: 10 } },
    } as TopLevelSpec;

    const [reluFinal, polyFinal] = [relu.finals[0]!, main.finals[0]!];
    const diagonal = (m: number[]) => Array.from({ length: CLASSES }, (_, c) => m[c * CLASSES + c]!);
    const disagreements = (key: 'train' | 'test') => reluFinal.confusion![key].reduce((s, v, i) => s + Math.abs(v - polyFinal.confusion![key][i]!), 0) / 2;
    const regime = regimeOf([reluFinal.trainError, polyFinal.trainError], `the two nets shown`);
    const caption = [
      `Where the ReLU net and the polynomial net of Figure 2 (every ReLU replaced by ReLU's degree-${poly.degree} least-squares fit on ` +
        `[-${a}, ${a}]) go wrong, after ${poly.epochs} epochs from the same initial weights and mini-batch order (seed 1). Rows are the true ` +
        `class, columns the predicted one; a cell's colour is its share of the row and its label the number of images.`,
      `This build: the DCNN with ${net.width} channels per hidden layer on ${describeData(ctx.params.data)}. The ReLU net misclassifies ` +
        `${pct(reluFinal.trainError)} of the training and ${pct(reluFinal.testError)} of the test images, the polynomial net ` +
        `${pct(polyFinal.trainError)} and ${pct(polyFinal.testError)}. Correct per class on the test set: ReLU ` +
        `${diagonal(reluFinal.confusion!.test).join(', ')}; polynomial ${diagonal(polyFinal.confusion!.test).join(', ')} ` +
        `(class order as on the axes). The matrices differ by ${disagreements('train')} training and ${disagreements('test')} test ` +
        `images moved between cells (half the sum of the absolute differences). ${describeRegime(regime)}`,
    ].join('\n\n');
    return { spec, tables: { cells: rows }, caption, regime };
  },
};
