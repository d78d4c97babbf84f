// Figure 3 and its appendix (Figures 10-24): SGD trajectories across stages, seen through MDS of
// one layer's weights. One module for the family; the catalog's parameters say which layer and
// which views. Every saved model is drawn as a label (the epoch it was saved at, counted from the
// start of training, or its training error) in its trajectory's colour, and consecutive epochs of
// a trajectory are joined by a faint line. Each panel is its own MDS.
import type { TopLevelSpec } from 'vega-lite';
import { describeQuality, mdsView, readMds, type MdsArtifact } from '../pipeline/analysis/trajectory-mds/artifact.ts';
import type { PaperLayer } from '../pipeline/engine/net.ts';
import { describeRegime, regimeOf } from '../pipeline/experiments/kit/regime.ts';
import { lastEpoch, readSnapshotIndex, snapshotRows } from '../pipeline/experiments/kit/snapshots.ts';
import { LATER_STAGES_FROM } from '../pipeline/experiments/sgd-stages/experiment.ts';
import type { SgdStagesIndex } from '../pipeline/experiments/sgd-stages/step.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import type { SgdMapKind } from './catalog.ts';
import { trajectoryPanel } from './trajectory-panel.ts';
import type { FigureModule, Row } from './types.ts';

export interface SgdMapParams {
  kind: SgdMapKind;
  layer: PaperLayer;
  /** the stage drawn alone (kind 'stage') */
  stage?: number;
  data: DataSettings;
}

interface Panel {
  letter: string;
  view: string;
}

function panelsOf(params: SgdMapParams, stages: number): Panel[] {
  const later = stages > LATER_STAGES_FROM ? [{ letter: 'B', view: `from-stage-${LATER_STAGES_FROM}` }] : [];
  switch (params.kind) {
    case 'overview':
      return [{ letter: 'A', view: 'all' }, ...later, { letter: 'C', view: 'stage-1' }, ...(stages >= LATER_STAGES_FROM ? [{ letter: 'D', view: `stage-${LATER_STAGES_FROM}` }] : [])];
    case 'layer':
      return [{ letter: 'A', view: 'all' }, ...later];
    case 'stage':
      if (!params.stage || params.stage > stages) throw new Error(`stage ${params.stage} is not in this run (it has ${stages} stages)`);
      return [{ letter: '', view: `stage-${params.stage}` }];
    case 'error-labels':
      return [{ letter: '', view: 'all' }];
  }
}

/** One row per (view, snapshot). */
function pointRows(index: SgdStagesIndex, mds: MdsArtifact, views: string[]): Row[] {
  const epochs = index.settings.sgd.epochsPerStage;
  const rows = snapshotRows(index);
  const out: Row[] = [];
  for (const id of views) {
    const view = mdsView(mds, id);
    view.rows.forEach((row, i) => {
      const { trajectory: t, epoch: e } = rows[row]!;
      const stage = Number(t.meta['stage']);
      out.push({
        view: id,
        stage,
        trajectory: Number(t.meta['trajectory']),
        epoch: (stage - 1) * epochs + e.epoch,
        path: `${stage}-${t.meta['trajectory']}`,
        x: round(view.x[i]!),
        y: round(view.y[i]!),
        trainError: round(e.trainError),
        testError: round(e.testError),
        trainErrorLabel: e.trainError.toFixed(2),
      });
    });
  }
  return out;
}

function round(v: number): number {
  return Number(v.toPrecision(6));
}

export function describeData(data: DataSettings): string {
  return data.kind === 'synthetic'
    ? `the embedded synthetic dataset (${data.train} training and ${data.test} test images, 10 classes, seed ${data.seed})`
    : `CIFAR-10 (${data.train === 50000 ? 'all 50,000' : `the first ${data.train}`} training and ${data.test === 10000 ? 'all 10,000' : `the first ${data.test}`} test images)`;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

export const figure: FigureModule<SgdMapParams> = {
  async build(ctx) {
    const { layer, data, kind } = ctx.params;
    const index = await readSnapshotIndex<SgdStagesIndex['settings']>(ctx.inputs['experiment:sgd-stages']!);
    const mds = await readMds(Object.entries(ctx.inputs).find(([name]) => name.startsWith('analysis:mds:'))![1]);
    if (mds.layer !== layer) throw new Error(`the MDS input maps layer ${mds.layer}, the figure wants layer ${layer}`);
    const { sgd, net } = index.settings;
    const panels = panelsOf(ctx.params, sgd.stages);
    const label = kind === 'error-labels' ? 'trainErrorLabel' : 'epoch';
    const drawn = panels.map(({ letter, view }) => {
      const v = mdsView(mds, view);
      return trajectoryPanel({ title: `${letter ? `${letter}   ` : ''}${v.label}`, subtitle: describeQuality(v), view, label });
    });
    const pairs: (typeof drawn)[] = [];
    for (let i = 0; i < drawn.length; i += 2) pairs.push(drawn.slice(i, i + 2));
    const title = kind === 'stage' ? `SGD trajectories of stage ${ctx.params.stage} (layer ${layer})` : kind === 'error-labels' ? `All stages labelled by training error (layer ${layer})` : `SGD trajectories across ${sgd.stages} stages (layer ${layer})`;
    const spec: TopLevelSpec = {
      title: { text: title, fontSize: 15 },
      vconcat: pairs.map((pair) => ({ hconcat: pair })),
      resolve: { scale: { color: 'shared' } },
      config: { view: { stroke: '#ddd' }, concat: { spacing: 24 } },
    } as TopLevelSpec;

    const finals = index.trajectories.filter((t) => Number(t.meta['stage']) === sgd.stages).map(lastEpoch);
    const regime = regimeOf(finals.map((e) => e.trainError), `the ${finals.length} models of the last stage`);
    const meanOf = (f: (e: (typeof finals)[number]) => number) => finals.reduce((a, e) => a + f(e), 0) / finals.length;
    const quality = panels.map(({ letter, view }) => ({ letter, view: mdsView(mds, view) }));
    const caption = [
      `Training is cut into ${sgd.stages} stages. In every stage ${sgd.trajectories} runs of plain SGD (learning rate ${sgd.learningRate}, ` +
        `batch size ${sgd.batchSize}, ${sgd.epochsPerStage} epoch${sgd.epochsPerStage === 1 ? '' : 's'} each) leave from the same place: ` +
        `runs 1-${sgd.firstPerturbed - 1} start from the model P that run 1 of the previous stage ended with (the random initial model in stage 1), ` +
        `runs ${sgd.firstPerturbed}-${sgd.trajectories} from a copy of P with Gaussian noise added to every layer, its standard deviation ` +
        `${sgd.perturbScale} times that layer's own weight standard deviation.`,
      `Every saved model is a point placed by the weights of layer ${layer}, the paper's numbering with the input as layer 1, so the ` +
        `${ordinal(layer - 1)} of the five convolutions. Two models are compared by the chord distance sqrt(2 (1 - cos)) of these weights, ` +
        `the distance between the unit vectors, which orders pairs exactly as 1 - cosine similarity does and, unlike it, is Euclidean; ` +
        `classical MDS places the points in the plane, separately for each panel. ` +
        (label === 'epoch'
          ? 'Numbers give the epoch at which the model was saved, counted from the start of training; '
          : 'Numbers give the training error of each model (a fraction: 0.10 is 10%); ') +
        `colours give the run (1-${sgd.trajectories}); faint lines join consecutive epochs of a run.`,
      panelSentence(ctx.params, panels),
      `This build: the DCNN with ${net.width} channels per hidden layer, trained on ${describeData(data)}. ` +
        `After the last stage the runs average ${pct(meanOf((e) => e.trainError))} training and ${pct(meanOf((e) => e.testError))} test error. ` +
        describeRegime(regime),
      `How faithful each map is: ${quality.map(({ letter, view }) => `${letter ? `${letter}: ` : ''}${describeQuality(view)}`).join('; ')}.`,
    ].join('\n\n');

    const panelRows: Row[] = quality.map(({ letter, view }) => ({
      panel: letter || view.id,
      view: view.id,
      label: view.label,
      points: view.rows.length,
      explained: round(view.explained),
      negativeMass: round(view.negativeMass),
      spearman: round(view.spearman),
    }));
    return { spec, tables: { points: pointRows(index, mds, panels.map((p) => p.view)), panels: panelRows }, caption, regime };
  },
};

function panelSentence(params: SgdMapParams, panels: Panel[]): string {
  const has = (letter: string) => panels.some((p) => p.letter === letter);
  switch (params.kind) {
    case 'overview':
      return (
        `Panel A holds all stages; the later stages sit so close together there that ${has('B') ? `panel B redoes the MDS for stages ${LATER_STAGES_FROM} onwards alone` : 'they are hard to tell apart'}; ` +
        `panels C${has('D') ? ` and D show stages 1 and ${LATER_STAGES_FROM}` : ' shows stage 1'} on their own. Runs that start from the very same model still drift apart: SGD rarely retraces a path.`
      );
    case 'layer':
      return `The same maps as panels A${has('B') ? ' and B' : ''} of Figure 3, made from layer ${params.layer} instead of layer 2, to see whether the picture depends on the layer.`;
    case 'stage':
      return `Stage ${params.stage} alone, with a map of its own, as the paper's appendix shows every stage.`;
    case 'error-labels':
      return 'The map of all stages of Figure 3, panel A, with every point labelled by its training error instead of its epoch: where on the map the models fit the training set.';
  }
}

function ordinal(n: number): string {
  return ['first', 'second', 'third', 'fourth', 'fifth'][n - 1] ?? `${n}th`;
}
