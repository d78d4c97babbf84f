// Figures 31-34: Figure 5's maps (C1, C2) made from layers 3-6 instead of layer 2: the copies of
// M_final kicked by 0.1 x S, each saved model placed by that layer's weights. One module for the
// family; the catalog's parameters give the layer.
import type { TopLevelSpec } from 'vega-lite';
import { readMds } from '../pipeline/analysis/trajectory-mds/artifact.ts';
import type { PaperLayer } from '../pipeline/engine/net.ts';
import { FIGURE_5_K, SINGLE_COPY } from '../pipeline/experiments/flat-minima/experiment.ts';
import { describeRegime } from '../pipeline/experiments/kit/regime.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import { copiesRegime, copyMaps, describeKick, describeMinimum, loadFlatMinima } from './flat-minima-panels.ts';
import type { FigureModule } from './types.ts';

export interface PerturbedMinimumMapsParams {
  layer: PaperLayer;
  data: DataSettings;
}

const ORDINAL = ['first', 'second', 'third', 'fourth', 'fifth'];

export const figure: FigureModule<PerturbedMinimumMapsParams> = {
  async build(ctx) {
    const { layer, data } = ctx.params;
    const e5 = await loadFlatMinima(ctx);
    const mds = await readMds(Object.entries(ctx.inputs).find(([name]) => name.startsWith('analysis:mds:'))![1]);
    if (mds.layer !== layer) throw new Error(`the MDS input maps layer ${mds.layer}, the figure wants layer ${layer}`);
    const k = FIGURE_5_K;
    const maps = copyMaps(e5, mds, k);
    const copies = e5.settings.flat.copies;
    const spec = {
      title: { text: `The kicked global minimum seen through layer ${layer} (k = ${k})`, fontSize: 15 },
      hconcat: maps.panels,
      resolve: { scale: { color: 'shared' } },
      config: { view: { stroke: '#dddddd' }, concat: { spacing: 24 } },
    } as TopLevelSpec;
    const regime = copiesRegime(e5, k);
    const caption = [
      `Panels C1 and C2 of Figure 5 made from the weights of layer ${layer}, the ${ORDINAL[layer - 2]} of the five convolutions, instead of ` +
        `layer 2: does the picture of distinct end points depend on the layer one looks at?`,
      `${describeMinimum(e5, data)} ${describeKick(e5, k)}`,
      `Every saved model is a point placed by its layer-${layer} weights, compared by the chord distance sqrt(2 (1 - cos)) and embedded by ` +
        `classical MDS; numbers are epochs of GD after the kick, colours the copy. **C1** All ${copies} copies. **C2** Copy ${SINGLE_COPY} alone.`,
      `${maps.quality} ${describeRegime(regime)}`,
    ].join('\n\n');
    return { spec, tables: { points: maps.points, panels: maps.rows }, caption, regime };
  },
};
