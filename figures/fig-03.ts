// Figure 3: SGD trajectories across 12 stages, seen through MDS of one layer's weights.
// Four views, each its own MDS: all stages; the later stages (5 onwards), which crowd together
// in the joint picture; stage 1 alone; stage 5 alone. Every saved model is drawn as its number
// (the epoch it was saved at, counted from the start of training) in its trajectory's colour,
// and consecutive epochs of a trajectory are joined by a faint line.
import type { TopLevelSpec } from 'vega-lite';
import { readJson } from '../pipeline/artifacts.ts';
import type { SgdStagesMds } from '../pipeline/analysis/sgd-stages-mds/step.ts';
import type { SgdStagesIndex } from '../pipeline/experiments/sgd-stages/step.ts';
import type { DataSettings } from '../pipeline/profiles/data.ts';
import type { FigureModule, Row } from './types.ts';

export interface Fig03Params {
  layer: number;
  data: DataSettings;
}

/** The panels of the paper's figure, by MDS view id. */
function panelViews(stages: number): Array<{ panel: string; view: string }> {
  const panels = [{ panel: 'A', view: 'all' }];
  if (stages > 5) panels.push({ panel: 'B', view: 'from-stage-5' });
  panels.push({ panel: 'C', view: 'stage-1' });
  if (stages >= 5) panels.push({ panel: 'D', view: 'stage-5' });
  return panels;
}

const PANEL_SIZE = 300;

// the same colour encoding in both layers, so vega-lite merges them into one legend
const TRAJECTORY_COLOR = {
  field: 'trajectory',
  type: 'nominal' as const,
  scale: { scheme: 'category10' },
  legend: { title: 'trajectory', orient: 'right' as const },
};

export function trajectoryPanel(title: string, view: string, options: { label: 'epoch' | 'trainErrorLabel' } = { label: 'epoch' }) {
  return {
    title: { text: title, anchor: 'start' as const, fontSize: 13 },
    width: PANEL_SIZE,
    height: PANEL_SIZE,
    data: { name: 'points' },
    transform: [{ filter: { field: 'view', equal: view } }],
    layer: [
      {
        mark: { type: 'line' as const, strokeWidth: 0.8, opacity: 0.35 },
        encoding: {
          x: { field: 'x', type: 'quantitative' as const, title: 'MDS dimension 1', axis: { labels: false, ticks: false } },
          y: { field: 'y', type: 'quantitative' as const, title: 'MDS dimension 2', axis: { labels: false, ticks: false } },
          detail: { field: 'path', type: 'nominal' as const },
          order: { field: 'epoch', type: 'quantitative' as const },
          color: TRAJECTORY_COLOR,
        },
      },
      {
        mark: { type: 'text' as const, fontSize: 9, fontWeight: 'bold' as const },
        encoding: {
          x: { field: 'x', type: 'quantitative' as const },
          y: { field: 'y', type: 'quantitative' as const },
          text: { field: options.label, type: options.label === 'epoch' ? ('quantitative' as const) : ('nominal' as const) },
          color: TRAJECTORY_COLOR,
          tooltip: [
            { field: 'stage', type: 'quantitative' as const },
            { field: 'trajectory', type: 'nominal' as const },
            { field: 'epoch', type: 'quantitative' as const, title: 'epoch (from the start)' },
            { field: 'trainError', type: 'quantitative' as const, format: '.1%', title: 'train error' },
            { field: 'testError', type: 'quantitative' as const, format: '.1%', title: 'test error' },
          ],
        },
      },
    ],
  };
}

/** One row per (view, snapshot): what every E3 trajectory figure draws. */
export function trajectoryRows(index: SgdStagesIndex, mds: SgdStagesMds, views: string[]): Row[] {
  const epochs = index.settings.sgd.epochsPerStage;
  const rows: Row[] = [];
  for (const view of mds.views.filter((v) => views.includes(v.id))) {
    view.snapshots.forEach((row, i) => {
      const s = index.snapshots[row]!;
      rows.push({
        view: view.id,
        stage: s.stage,
        trajectory: s.trajectory,
        epoch: (s.stage - 1) * epochs + s.epoch,
        path: `${s.stage}-${s.trajectory}`,
        x: round(view.x[i]!),
        y: round(view.y[i]!),
        trainError: round(s.trainError),
        testError: round(s.testError),
        trainErrorLabel: s.trainError.toFixed(2),
      });
    });
  }
  return rows;
}

function round(v: number): number {
  return Number(v.toPrecision(6));
}

export function describeData(data: DataSettings): string {
  return data.kind === 'synthetic'
    ? `the embedded synthetic dataset (${data.train} training and ${data.test} test images, 10 classes, seed ${data.seed})`
    : `CIFAR-10 (${data.train === 50000 ? 'all 50,000' : `the first ${data.train}`} training and ${data.test === 10000 ? 'all 10,000' : `the first ${data.test}`} test images)`;
}

export const figure: FigureModule<Fig03Params> = {
  async build(ctx) {
    const { layer, data } = ctx.params;
    const index = await readJson<SgdStagesIndex>(ctx.inputs['experiment:sgd-stages']!, 'snapshots.json');
    const mds = await readJson<SgdStagesMds>(ctx.inputs[`analysis:sgd-stages-mds:layer-${layer}`]!, 'mds.json');
    const { sgd, net } = index.settings;
    const panels = panelViews(sgd.stages);
    const labelOf = new Map(mds.views.map((v) => [v.id, v]));
    const rows = trajectoryRows(index, mds, panels.map((p) => p.view));
    const titled = panels.map(({ panel, view }) => trajectoryPanel(`${panel}   ${labelOf.get(view)!.label}`, view));
    const pairs: typeof titled[] = [];
    for (let i = 0; i < titled.length; i += 2) pairs.push(titled.slice(i, i + 2));

    const spec: TopLevelSpec = {
      title: { text: `SGD trajectories across ${sgd.stages} stages (layer ${layer})`, fontSize: 15 },
      vconcat: pairs.map((pair) => ({ hconcat: pair })),
      resolve: { scale: { color: 'shared' } },
      config: { view: { stroke: '#ddd' }, concat: { spacing: 24 } },
    } as TopLevelSpec;

    const last = index.snapshots.filter((s) => s.stage === sgd.stages && s.epoch === sgd.epochsPerStage);
    const meanTrain = last.reduce((a, s) => a + s.trainError, 0) / last.length;
    const meanTest = last.reduce((a, s) => a + s.testError, 0) / last.length;
    const explained = panels.map(({ panel, view }) => `${panel} ${(100 * labelOf.get(view)!.explained).toFixed(0)}%`).join(', ');
    const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
    const caption = [
      `Training is cut into ${sgd.stages} stages. In every stage ${sgd.trajectories} runs of plain SGD (learning rate ${sgd.learningRate}, ` +
        `batch size ${sgd.batchSize}, ${sgd.epochsPerStage} epoch${sgd.epochsPerStage === 1 ? '' : 's'} each) leave from the same place: ` +
        `runs 1-${sgd.firstPerturbed - 1} start from the model P that run 1 of the previous stage ended with (the random initial model in stage 1), ` +
        `runs ${sgd.firstPerturbed}-${sgd.trajectories} from a copy of P with Gaussian noise added to every layer, its standard deviation ` +
        `${sgd.perturbScale} times that layer's own weight standard deviation.`,
      `Every saved model is a point: the weights of layer ${layer} (the ${ordinal(layer)} convolution of the five) are compared by 1 - cosine ` +
        `similarity and placed in the plane by classical MDS, run separately for each panel. Numbers give the epoch at which the model was saved, ` +
        `counted from the start of training; colours give the run (1-${sgd.trajectories}); faint lines join consecutive epochs of a run.`,
      `Panel A holds all stages; the later stages sit so close together there that ${panels.some((p) => p.panel === 'B') ? 'panel B redoes the MDS for stages 5 onwards alone' : 'they are hard to tell apart'}; ` +
        `panels C${panels.some((p) => p.panel === 'D') ? ' and D show stages 1 and 5' : ' shows stage 1'} on their own. ` +
        `Runs that start from the very same model still drift apart: SGD rarely retraces a path.`,
      `This build: the DCNN with ${net.width} channels per hidden layer, trained on ${describeData(data)}. ` +
        `After the last stage the runs average ${pct(meanTrain)} training and ${pct(meanTest)} test error. ` +
        `Share of the spectrum the two MDS axes carry: ${explained}.`,
    ].join('\n\n');

    return { spec, tables: { points: rows }, caption };
  },
};

function ordinal(n: number): string {
  return ['first', 'second', 'third', 'fourth', 'fifth'][n - 1] ?? `${n}th`;
}
