// Figure 35: the confusion matrices of the converged copies of Figure 5 (k = 0.1), on the training
// and the test set. At zero training error every training matrix is the same diagonal; the test
// matrices, and the predictions behind them, show whether the copies are different networks.
import type { TopLevelSpec } from 'vega-lite';
import { CLASSES } from '../pipeline/engine/net.ts';
import { FIGURE_5_K } from '../pipeline/experiments/flat-minima/experiment.ts';
import { disagreement } from '../pipeline/experiments/kit/predictions.ts';
import { describeRegime } from '../pipeline/experiments/kit/regime.ts';
import { lastEpoch } from '../pipeline/experiments/kit/snapshots.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import { copiesRegime, describeKick, describeMinimum, loadFlatMinima, pct, round } from './flat-minima-panels.ts';
import type { FigureModule, Row } from './types.ts';

export interface ConfusionParams {
  data: DataSettings;
}

const CELL = 17;

export const figure: FigureModule<ConfusionParams> = {
  async build(ctx) {
    const e5 = await loadFlatMinima(ctx);
    const k = FIGURE_5_K;
    const ends = e5.copies(k).map((t) => ({ copy: Number(t.meta['copy']), end: lastEpoch(t) }));
    const cells: Row[] = [];
    for (const { copy, end } of ends) {
      if (!end.confusion) throw new Error(`copy ${copy} (k = ${k}) has no confusion matrices in E5's artifact`);
      for (const split of ['train', 'test'] as const) {
        const m = end.confusion[split];
        for (let truth = 0; truth < CLASSES; truth++) {
          const total = m.slice(truth * CLASSES, (truth + 1) * CLASSES).reduce((a, b) => a + b, 0);
          for (let predicted = 0; predicted < CLASSES; predicted++) {
            const count = m[truth * CLASSES + predicted]!;
            cells.push({ copy: `copy ${copy}`, split: split === 'train' ? 'training set' : 'test set', truth, predicted, count, share: total ? round(count / total, 4) : 0 });
          }
        }
      }
    }
    const pairs: Row[] = [];
    for (let i = 0; i < ends.length; i++) {
      for (let j = i + 1; j < ends.length; j++) {
        const [a, b] = [ends[i]!.end.predictions, ends[j]!.end.predictions];
        if (!a || !b) throw new Error("E5's artifact has no predictions of the converged copies");
        pairs.push({ pair: `${ends[i]!.copy}-${ends[j]!.copy}`, testDisagreement: round(disagreement(a.test, b.test), 4), trainDisagreement: round(disagreement(a.train, b.train), 4) });
      }
    }
    const spec = {
      title: { text: `Confusion matrices of the ${ends.length} converged copies (k = ${k})`, fontSize: 15 },
      data: { name: 'cells' },
      facet: {
        row: { field: 'split', type: 'nominal' as const, title: null, sort: ['training set', 'test set'] },
        column: { field: 'copy', type: 'nominal' as const, title: null },
      },
      spec: {
        width: CELL * CLASSES,
        height: CELL * CLASSES,
        layer: [
          {
            mark: { type: 'rect' as const },
            encoding: {
              x: { field: 'predicted', type: 'ordinal' as const, title: 'predicted class' },
              y: { field: 'truth', type: 'ordinal' as const, title: 'true class' },
              color: { field: 'share', type: 'quantitative' as const, scale: { scheme: 'blues', domain: [0, 1] }, legend: { title: 'share of the true class', format: '.0%' } },
              tooltip: [
                { field: 'truth', type: 'ordinal' as const, title: 'true class' },
                { field: 'predicted', type: 'ordinal' as const, title: 'predicted' },
                { field: 'count', type: 'quantitative' as const },
                { field: 'share', type: 'quantitative' as const, format: '.1%' },
              ],
            },
          },
          {
            mark: { type: 'text' as const, fontSize: 7 },
            transform: [{ filter: 'datum.count > 0' }],
            encoding: {
              x: { field: 'predicted', type: 'ordinal' as const },
              y: { field: 'truth', type: 'ordinal' as const },
              text: { field: 'count', type: 'quantitative' as const },
              color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: '#222222' },
            },
          },
        ],
      },
      config: { view: { stroke: '#dddddd' }, axis: { labelFontSize: 8, titleFontSize: 9 } },
    } as TopLevelSpec;
    const test = pairs.map((p) => Number(p.testDisagreement));
    const regime = copiesRegime(e5, k);
    const caption = [
      `The copies of Figure 5 after retraining: are they the same network found again, or different networks that happen to score the same? ` +
        `${describeMinimum(e5, ctx.params.data)} ${describeKick(e5, k)}`,
      `Each matrix counts, for every true class (rows), how the images of that class were classified (columns); colour is the share of ` +
        `the row. Top: the training set; bottom: the test set.`,
      `Image by image, the ${pairs.length} pairs of copies disagree on ${pct(Math.min(...test))}-${pct(Math.max(...test))} of the test images ` +
        `(the table \`pairs\` gives every pair, and the training set too).`,
      describeRegime(regime),
    ].join('\n\n');
    return { spec, tables: { cells, pairs }, caption, regime };
  },
};
