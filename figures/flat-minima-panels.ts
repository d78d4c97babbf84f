// Shared views of E5 (the kicked global minimum) for Figures 5, 31-38: the artifact loader, the
// per-epoch curves of the copies, the MDS rows of their trajectories, and the caption sentences
// that state how M_final was trained and kicked.
import { describeQuality, mdsView, type MdsArtifact } from '../pipeline/analysis/trajectory-mds/artifact.ts';
import { FLAT_MINIMA_STEP, readFlatMinima, type FlatMinima } from '../pipeline/experiments/flat-minima/artifact.ts';
import { copiesView, singleCopyView, SINGLE_COPY } from '../pipeline/experiments/flat-minima/experiment.ts';
import { regimeOf, type Regime } from '../pipeline/experiments/kit/regime.ts';
import { lastEpoch, snapshotRows } from '../pipeline/experiments/kit/snapshots.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import { errorScale } from './line-panels.ts';
import { describeData } from './sgd-trajectories.ts';
import { TRAJECTORY_TOOLTIP, trajectoryColor, trajectoryPanel } from './trajectory-panel.ts';
import type { FigureContext, Row } from './types.ts';

export const COPY_LEGEND = 'copy';

export async function loadFlatMinima(ctx: FigureContext<unknown>): Promise<FlatMinima> {
  const ref = ctx.inputs[FLAT_MINIMA_STEP];
  if (!ref) throw new Error(`this figure needs the artifact of '${FLAT_MINIMA_STEP}'`);
  return readFlatMinima(ref);
}

export function round(v: number, digits = 5): number {
  return Number(v.toPrecision(digits));
}

export const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** One row per epoch of every copy kicked by k x S. */
export function curveRows(e5: FlatMinima, k: number): Row[] {
  return e5.copies(k).flatMap((t) =>
    t.epochs.map((e) => ({
      trajectory: Number(t.meta['copy']),
      epoch: e.epoch,
      trainError: round(e.trainError),
      testError: round(e.testError),
      trainLoss: round(e.trainLoss),
      testLoss: round(e.testLoss),
    })),
  );
}

export type CurveMetric = 'trainError' | 'testError' | 'trainLoss' | 'testLoss';

const METRIC_TITLES: Record<CurveMetric, string> = {
  trainError: 'training error',
  testError: 'test error',
  trainLoss: 'training loss',
  testLoss: 'test loss',
};

/** Error or loss per epoch of GD, one line per copy, M_final's value dashed. */
export function curvePanel(title: string, metric: CurveMetric, width: number) {
  const isError = metric.endsWith('Error');
  return {
    title: { text: title, anchor: 'start' as const, fontSize: 12 },
    width,
    height: width * 0.6,
    layer: [
      {
        data: { name: 'curves' },
        mark: { type: 'line' as const, strokeWidth: 1.3 },
        encoding: {
          x: { field: 'epoch', type: 'quantitative' as const, title: 'epoch of GD after the kick', axis: { tickMinStep: 1, format: 'd' } },
          y: { field: metric, type: 'quantitative' as const, title: METRIC_TITLES[metric], ...(isError ? errorScale() : {}) },
          color: trajectoryColor(COPY_LEGEND),
          tooltip: [
            { field: 'trajectory', type: 'nominal' as const, title: 'copy' },
            { field: 'epoch', type: 'quantitative' as const },
            { field: metric, type: 'quantitative' as const, title: METRIC_TITLES[metric], format: isError ? '.2%' : '.4f' },
          ],
        },
      },
      {
        data: { name: 'reference' },
        mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#555555' },
        encoding: { y: { field: metric, type: 'quantitative' as const } },
      },
    ],
  };
}

/** M_final's own numbers, for the dashed reference of the curves. */
export function referenceRow(e5: FlatMinima): Row {
  const m = e5.minimum(1).epoch;
  return { model: 'M_final', trainError: round(m.trainError), testError: round(m.testError), trainLoss: round(m.trainLoss), testLoss: round(m.testLoss) };
}

/** One row per (view, snapshot) of the copies' MDS maps. */
export function mapRows(e5: FlatMinima, mds: MdsArtifact, views: string[]): Row[] {
  const rows = snapshotRows(e5.index);
  return views.flatMap((id) => {
    const view = mdsView(mds, id);
    return view.rows.map((row, i) => {
      const { trajectory: t, epoch: e } = rows[row]!;
      return {
        view: id,
        k: Number(t.meta['k']),
        trajectory: Number(t.meta['copy']),
        epoch: e.epoch,
        path: t.name,
        x: round(view.x[i]!, 6),
        y: round(view.y[i]!, 6),
        trainError: round(e.trainError),
        testError: round(e.testError),
        trainErrorLabel: e.trainError.toFixed(2),
      };
    });
  });
}

/**
 * Panels C1 (the copies kicked by k x S) and C2 (one copy alone) of one layer's MDS, their rows,
 * the measures of how faithful each map is, and the sentence that reports them.
 */
export function copyMaps(e5: FlatMinima, mds: MdsArtifact, k: number) {
  const copies = e5.settings.flat.copies;
  const views = [
    { panel: 'C1', title: `the ${copies} trajectories`, view: mdsView(mds, copiesView(k)) },
    { panel: 'C2', title: `copy ${SINGLE_COPY} alone`, view: mdsView(mds, singleCopyView(k)) },
  ];
  return {
    panels: views.map(({ panel, title, view }) =>
      trajectoryPanel({ title: `${panel}   ${title} (layer ${mds.layer})`, subtitle: describeQuality(view), view: view.id, label: 'epoch', legendTitle: COPY_LEGEND, tooltip: [{ field: 'k', type: 'quantitative', title: 'k' }, ...TRAJECTORY_TOOLTIP] }),
    ),
    points: mapRows(e5, mds, views.map((v) => v.view.id)),
    quality: `How faithful the maps are: ${views.map(({ panel, view }) => `${panel}: ${describeQuality(view)}`).join('; ')}.`,
    rows: views.map(({ panel, view }): Row => ({ panel, view: view.id, points: view.rows.length, explained: round(view.explained), negativeMass: round(view.negativeMass), spearman: round(view.spearman) })),
  };
}

/** The regime of the copies kicked by k x S. */
export function copiesRegime(e5: FlatMinima, k: number): Regime {
  const ends = e5.copies(k).map(lastEpoch);
  return regimeOf(
    ends.map((e) => e.trainError),
    `the ${ends.length} retrained copies`,
  );
}

/** How M_final was made, with the settings actually used. */
export function describeMinimum(e5: FlatMinima, data: DataSettings): string {
  const { net, flat } = e5.settings;
  const { sgd, gd } = flat.minimum;
  const m = e5.minimum(1).epoch;
  return (
    `M_final is the DCNN with ${net.width} channels per hidden layer trained on ${describeData(data)}: ${sgd.epochs} epochs of plain SGD ` +
    `(learning rate ${sgd.learningRate}, batch size ${sgd.batchSize}) from a random model, then ${gd.epochs} epochs of full-batch gradient ` +
    `descent (learning rate ${gd.learningRate}), ${sgd.epochs === 60 && gd.epochs === 400 ? 'as the paper does' : 'where the paper uses 60 and 400'}. It ends at ${pct(m.trainError)} training and ` +
    `${pct(m.testError)} test error (training loss ${round(m.trainLoss, 3)}).`
  );
}

/** How the copies were kicked and retrained. */
export function describeKick(e5: FlatMinima, k: number): string {
  const { flat } = e5.settings;
  const copies = e5.copies(k);
  const starts = copies.map((t) => t.epochs[0]!);
  const ends = copies.map(lastEpoch);
  const range = (models: typeof ends, f: (e: (typeof ends)[number]) => number) => {
    const v = models.map(f);
    return Math.min(...v) === Math.max(...v) ? pct(v[0]!) : `${pct(Math.min(...v))}-${pct(Math.max(...v))}`;
  };
  return (
    `Each of ${flat.copies} copies of M_final gets Gaussian noise added to every layer, with standard deviation ${k} times that layer's ` +
    `own weight standard deviation S (a fresh draw per copy), and is then trained on with full-batch gradient descent for ` +
    `${flat.retrain.epochs} epochs (learning rate ${flat.retrain.learningRate}${flat.retrain.epochs === 200 ? '' : '; the paper runs 200'}). Right after the kick (epoch 0) the copies ` +
    `stand at ${range(starts, (e) => e.trainError)} training error; they end at ${range(ends, (e) => e.trainError)} training and ` +
    `${range(ends, (e) => e.testError)} test error.`
  );
}
