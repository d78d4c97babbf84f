// Figure 4 and its appendix (Figures 25-30), and the pieces panel F of Figure 1 borrows: batch
// gradient descent with kicked branches and epoch-wise averages (E4), seen through MDS of one
// layer's weights, each model labelled by its training error ("NaN" for the random initial models,
// which the paper does not evaluate). One module for the family; the catalog's parameters say
// which layer and which noise level, and whether the error curves are drawn beside the map.
import type { TopLevelSpec } from 'vega-lite';
import { describeQuality, mdsView, readMds, type MdsArtifact, type MdsView } from '../pipeline/analysis/trajectory-mds/artifact.ts';
import { MDS_STEP_PREFIX } from '../pipeline/analysis/trajectory-mds/names.ts';
import { fitsOnePass } from '../pipeline/engine/full-batch.ts';
import type { PaperLayer } from '../pipeline/engine/net.ts';
import { bgdRun, isRandomStart, roleOf, trainingEpoch, fromOf, type BgdBranchesIndex, type BgdRun } from '../pipeline/experiments/bgd-branches/artifact.ts';
import { noiseView } from '../pipeline/experiments/bgd-branches/experiment.ts';
import { describeRegime, regimeOf, ZERO_TRAINING_ERROR, type Regime } from '../pipeline/experiments/kit/regime.ts';
import { lastEpoch, readSnapshotIndex, snapshotRows, type SnapshotTrajectory } from '../pipeline/experiments/kit/snapshots.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import type { ArtifactRef } from '../pipeline/step.ts';
import { describeData } from './sgd-trajectories.ts';
import { trajectoryPanel, type TooltipField } from './trajectory-panel.ts';
import type { FigureModule, Row } from './types.ts';

export const BGD_STEP = 'experiment:bgd-branches';
/** The paper's branch epochs, which the profiles scale. */
const PAPER_BRANCH_EPOCHS = [0, 10, 50, 200];

export interface BgdMapParams {
  /** 'map': Figure 4 and 25-28 (one layer, the first noise level); 'noise': 29-30 (layer 2, noise k, with error curves) */
  kind: 'map' | 'noise';
  layer: PaperLayer;
  /** the noise level drawn (kind 'noise'); 'map' draws the first, Figure 4's */
  k?: number;
  data: DataSettings;
}

export const BGD_TOOLTIP: TooltipField[] = [
  { field: 'trajectory', type: 'nominal' },
  { field: 'epoch', type: 'quantitative', title: 'epoch (from the start)' },
  { field: 'trainError', type: 'quantitative', format: '.1%', title: 'train error' },
  { field: 'testError', type: 'quantitative', format: '.1%', title: 'test error' },
];

/** What a trajectory is called in legends: main, branch b, average b (b: its branch epoch). */
export function trajectoryLabel(t: SnapshotTrajectory): string {
  const role = roleOf(t);
  return role === 'main' ? 'main' : `${role} ${fromOf(t)}`;
}

/** Legend order: the main trajectory, the branches, then the averages, by branch epoch. */
export function legendOrder(run: BgdRun): string[] {
  const epochs = run.index.settings.bgd.branchEpochs;
  return ['main', ...epochs.map((b) => `branch ${b}`), ...epochs.map((b) => `average ${b}`)];
}

export async function loadBgd(inputs: Record<string, ArtifactRef>, layer: PaperLayer): Promise<{ run: BgdRun; mds: MdsArtifact }> {
  const index = await readSnapshotIndex<BgdBranchesIndex['settings']>(inputs[BGD_STEP]!);
  const mds = await readMds(Object.entries(inputs).find(([name]) => name.startsWith(`${MDS_STEP_PREFIX}bgd-branches:`))![1]);
  if (mds.layer !== layer) throw new Error(`the MDS input maps layer ${mds.layer}, the figure wants layer ${layer}`);
  return { run: bgdRun(index), mds };
}

const round = (v: number) => Number(v.toPrecision(6));

/** One row per (view, snapshot) of the map, labelled by training error ('NaN' for random starts). */
export function bgdPointRows(run: BgdRun, mds: MdsArtifact, views: string[]): Row[] {
  const rows = snapshotRows(run.index);
  return views.flatMap((id) => {
    const view = mdsView(mds, id);
    return view.rows.map((row, i) => {
      const { trajectory: t, epoch: e } = rows[row]!;
      const random = isRandomStart(t, e);
      return {
        view: id,
        trajectory: trajectoryLabel(t),
        path: t.name,
        epoch: trainingEpoch(t, e),
        x: round(view.x[i]!),
        y: round(view.y[i]!),
        trainError: random ? null : round(e.trainError),
        testError: random ? null : round(e.testError),
        trainErrorLabel: random ? 'NaN' : e.trainError.toFixed(2),
      };
    });
  });
}

/** Training and test error of the main trajectory and the branches of noise k, epoch by epoch. */
function curveRows(run: BgdRun, k: number): Row[] {
  return [run.main, ...run.at(k).map((b) => b.branch)].flatMap((t) =>
    t.epochs.filter((e) => !isRandomStart(t, e)).map((e) => ({ trajectory: trajectoryLabel(t), epoch: trainingEpoch(t, e), trainError: round(e.trainError), testError: round(e.testError) })),
  );
}

function curvePanel(field: 'trainError' | 'testError', title: string, order: string[]) {
  return {
    title: { text: title, anchor: 'start' as const, fontSize: 13 },
    width: 260,
    height: 200,
    data: { name: 'curves' },
    mark: { type: 'line' as const, strokeWidth: 1.2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, title: 'epoch (from the start)' },
      y: { field, type: 'quantitative' as const, title: field === 'trainError' ? 'training error' : 'test error', axis: { format: '.0%' } },
      color: { field: 'trajectory', type: 'nominal' as const, scale: { scheme: 'category10', domain: order }, legend: { title: 'trajectory', orient: 'right' as const } },
    },
  };
}

/** The regime of a figure of noise level k: the main trajectory and those branches at their last epoch. */
export function bgdRegime(run: BgdRun, k: number): Regime {
  const branches = run.at(k);
  const finals = [run.main, ...branches.map((b) => b.branch)].map((t) => lastEpoch(t).trainError);
  return regimeOf(finals, `the main BGD trajectory and its ${branches.length} branches kicked by ${k} x S`);
}

/** The first training epoch from which the main trajectory stays at (near) zero training error. */
function zeroFrom(main: SnapshotTrajectory): number | null {
  let from: number | null = null;
  for (const e of main.epochs) {
    if (isRandomStart(main, e)) continue;
    if (e.trainError <= ZERO_TRAINING_ERROR) from ??= e.epoch;
    else from = null;
  }
  return from;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const list = (xs: Array<string | number>) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

/** The caption's account of the experiment: BGD, its length, the branches, the averages. */
export function describeBgd(run: BgdRun, data: DataSettings, k: number): string {
  const { bgd, net } = run.index.settings;
  const train = data.train;
  const exact = fitsOnePass(net.width, train) ? 'computed in one pass over all of them' : `computed in exact chunks of ${bgd.chunkSize} images (full-set statistics first, then the gradient through them)`;
  const zero = zeroFrom(run.main);
  const scaled = bgd.branchEpochs.join() === PAPER_BRANCH_EPOCHS.join() ? '' : ` (the paper's ${list(PAPER_BRANCH_EPOCHS)}, scaled to this profile's ${bgd.epochs} epochs)`;
  return [
    `A network starts from random weights and is trained by batch gradient descent: every step follows the exact gradient of the mean ` +
      `loss over all ${train} training images, batch norm included, its statistics taken over all ${train} images too (${exact}). ` +
      `Learning rate ${bgd.learningRate}, one step per epoch, ${bgd.epochs} epochs for the main trajectory, long enough to reach the end of training: ` +
      (zero === null
        ? `it ends at ${pct(lastEpoch(run.main).trainError)} training error.`
        : `its training error is ${pct(ZERO_TRAINING_ERROR)} or less from epoch ${zero} on, and ${pct(lastEpoch(run.main).trainError)} at the end.`),
    `At epochs ${list(bgd.branchEpochs)}${scaled} a branch leaves the main trajectory: its model plus Gaussian noise in every layer, ` +
      `with standard deviation ${k} times that layer's own weight standard deviation. Each branch continues with the same BGD up to epoch ${bgd.epochs}. ` +
      `${bgd.averageEvery === 1 ? 'Epoch by epoch' : `Every ${bgd.averageEvery} epochs of a branch (and at its last)`}, the average of a branch's model and the main trajectory's model ` +
        `of the same epoch is evaluated on all ${train} training images${bgd.averageEvery === 1 ? '' : ' (the paper: every epoch)'}.`,
    `Every model here, averages included, is evaluated with batch norm normalizing by the statistics of all ${train} training images, ` +
      `the statistics every BGD step uses: a trajectory's training loss is exactly the loss BGD descends, and the test images are normalized ` +
      `with the same statistics. (The other experiments, the SGD models that the BGD-SGD comparison uses among them, normalize by the statistics of a fixed set of ${net.bnCalibration} calibration images instead.)`,
  ].join('\n\n');
}

/** The map's account of itself: what a point, a number and a colour are. */
export function describeMap(layer: PaperLayer, every: number): string {
  return (
    `Every model is a point placed by the weights of layer ${layer} (the paper's numbering, the input being layer 1), compared by the chord ` +
    `distance sqrt(2 (1 - cos)), which orders pairs as 1 - cosine similarity does and is Euclidean, and placed in the plane by classical MDS` +
    `${every > 1 ? `; every ${every}th epoch of each trajectory is drawn, and its last` : ''}. Numbers give each model's training error ` +
    `(a fraction: 0.10 is 10%); "NaN" marks the random initial models (epoch 0 of the main trajectory and of the branches from epoch 0), ` +
    `which, as in the paper, are not evaluated. Colours give the trajectory: main, a branch (by the epoch it left), or the averages of a branch with the main trajectory.`
  );
}

/** How the run ended, in numbers, for the caption. */
export function describeOutcome(run: BgdRun, k: number): string {
  const main = lastEpoch(run.main);
  const finals = run.at(k).map((b) => lastEpoch(b.branch));
  const averages = run.at(k).map((b) => lastEpoch(b.average));
  const range = (xs: number[]) => `${pct(Math.min(...xs))}-${pct(Math.max(...xs))}`;
  return (
    `At the end the main trajectory has ${pct(main.trainError)} training and ${pct(main.testError)} test error; the branches kicked by ${k} x S ` +
    `end at ${range(finals.map((e) => e.trainError))} training and ${range(finals.map((e) => e.testError))} test error, and their last averages with the main trajectory at ` +
    `${range(averages.map((e) => e.trainError))} training error.`
  );
}

export const figure: FigureModule<BgdMapParams> = {
  async build(ctx) {
    const { layer, data, kind } = ctx.params;
    const { run, mds } = await loadBgd(ctx.inputs, layer);
    const { bgd, net } = run.index.settings;
    const k = kind === 'noise' ? ctx.params.k! : bgd.noise[0]!;
    if (!bgd.noise.includes(k)) throw new Error(`noise ${k} x S is not in this run (it has ${bgd.noise.join(', ')})`);
    const view = mdsView(mds, noiseView(k));
    const order = legendOrder(run);
    const title = kind === 'noise' ? `BGD branches with noise ${k} x S (layer ${layer})` : `BGD branches, layer ${layer} (noise ${k} x S)`;
    const config = { view: { stroke: '#ddd' }, concat: { spacing: 24 } };
    const panel = { view: view.id, label: 'trainErrorLabel' as const, tooltip: BGD_TOOLTIP, trajectories: order, subtitle: describeQuality(view) };
    // Figure 4 and its layers: the map alone, large; 29-30: the map above the error curves
    const spec = (
      kind === 'map'
        ? { ...trajectoryPanel({ ...panel, title, size: 520 }), config }
        : {
            title: { text: title, fontSize: 15 },
            vconcat: [
              trajectoryPanel({ ...panel, title: `A   ${view.label}`, size: 420 }),
              { hconcat: [curvePanel('trainError', 'B   training error', order), curvePanel('testError', 'C   test error', order)] },
            ],
            resolve: { scale: { color: 'shared' } },
            config,
          }
    ) as TopLevelSpec;

    const regime = bgdRegime(run, k);
    const caption = [
      describeBgd(run, data, k),
      describeMap(layer, bgd.mapEvery),
      kind === 'noise'
        ? `B and C: training and test error of the main trajectory and of the branches, epoch by epoch (the random initial models left out), the paper's Figure 4 with a kick of ${k} x S instead of ${bgd.noise[0]} x S.`
        : layer === 2
          ? 'The paper reads this map as the exact loss surface seen from inside: BGD does not get stuck, later kicks change the path less, yet every branch ends at a slightly different model, and the averages perform reasonably.'
          : `The same experiment as Figure 4, mapped through layer ${layer} instead of layer 2, to see whether the picture depends on the layer.`,
      `This build: the DCNN with ${net.width} channels per hidden layer, trained on ${describeData(data)}. ${describeOutcome(run, k)} ${describeRegime(regime)}`,
      `How faithful the map is: ${describeQuality(view)}.`,
    ].join('\n\n');
    return {
      spec,
      tables: { points: bgdPointRows(run, mds, [view.id]), ...(kind === 'noise' ? { curves: curveRows(run, k) } : {}), panels: [panelRow(view)] },
      caption,
      regime,
    };
  },
};

export function panelRow(view: MdsView): Row {
  return { view: view.id, label: view.label, points: view.rows.length, explained: round(view.explained), negativeMass: round(view.negativeMass), spearman: round(view.spearman) };
}
