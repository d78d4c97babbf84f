// Figure 5 and its repeats with larger kicks (Figures 36-38): copies of a global minimum kicked by
// k x S and retrained with full-batch GD. A1/A2 training and test error, B1/B2 training and test
// loss per epoch (M_final's own value dashed), C1 the MDS of the copies' layer-2 trajectories, C2
// one copy's trajectory alone. One module for the family; the catalog's parameters give k.
import type { TopLevelSpec } from 'vega-lite';
import { readMds } from '../pipeline/analysis/trajectory-mds/artifact.ts';
import { mdsStepName } from '../pipeline/analysis/trajectory-mds/names.ts';
import { SINGLE_COPY } from '../pipeline/experiments/flat-minima/experiment.ts';
import { describeRegime } from '../pipeline/experiments/kit/regime.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import { copiesRegime, copyMaps, curvePanel, curveRows, describeKick, describeMinimum, loadFlatMinima, referenceRow } from './flat-minima-panels.ts';
import type { FigureModule } from './types.ts';

export interface PerturbedMinimumParams {
  k: number;
  data: DataSettings;
}

const CURVE_WIDTH = 300;

export const figure: FigureModule<PerturbedMinimumParams> = {
  async build(ctx) {
    const { k, data } = ctx.params;
    const e5 = await loadFlatMinima(ctx);
    if (!e5.settings.flat.ks.includes(k)) throw new Error(`the run kicked M_final by k = ${e5.settings.flat.ks.join(', ')}, not ${k}`);
    const mds = await readMds(ctx.inputs[mdsStepName('flat-minima', 2)]!);
    const maps = copyMaps(e5, mds, k);
    const copies = e5.settings.flat.copies;
    const spec = {
      title: { text: `Flatness of the global minimum: ${copies} copies kicked by ${k} x S, retrained with GD`, fontSize: 15 },
      vconcat: [
        { hconcat: [curvePanel('A1   training error', 'trainError', CURVE_WIDTH), curvePanel('A2   test error', 'testError', CURVE_WIDTH)] },
        { hconcat: [curvePanel('B1   training loss', 'trainLoss', CURVE_WIDTH), curvePanel('B2   test loss', 'testLoss', CURVE_WIDTH)] },
        { hconcat: maps.panels },
      ],
      resolve: { scale: { color: 'shared' } },
      config: { view: { stroke: '#dddddd' }, concat: { spacing: 24 }, axis: { labelFontSize: 9, titleFontSize: 10 } },
    } as TopLevelSpec;

    const regime = copiesRegime(e5, k);
    const caption = [
      `Is a global minimum an isolated point or part of a flat, wide floor? ${describeMinimum(e5, data)}`,
      describeKick(e5, k),
      `**A1, A2** Training and test classification error of the ${copies} copies after every epoch of GD; the dashed line is M_final's own value. ` +
        `**B1, B2** The same for the cross-entropy loss. Epoch 0 is the kicked copy before any retraining.`,
      `**C1** Every saved model of the ${copies} copies is a point placed by its layer-2 weights (the first convolution; the paper counts the ` +
        `input as layer 1), compared by the chord distance sqrt(2 (1 - cos)) and embedded by classical MDS; numbers are epochs of GD, colours ` +
        `the copy, faint lines join consecutive epochs. Copies that came back to the same point would end on top of each other; the paper ` +
        `finds four different end points. **C2** Copy ${SINGLE_COPY} alone, on a map of its own.`,
      maps.quality,
      `Batch norm is evaluated with the statistics of the first ${e5.settings.net.bnCalibration} training images, recomputed for every model. ` +
        describeRegime(regime),
    ].join('\n\n');
    return {
      spec,
      tables: { curves: curveRows(e5, k), reference: [referenceRow(e5)], points: maps.points, panels: maps.rows },
      caption,
      regime,
    };
  },
};
