// MDS of the E3 snapshots for one layer: one dissimilarity matrix over all saved models, then a
// separate classical MDS per view (all stages, stages 5 to the last, each stage alone), as the
// paper does when the later stages crowd together in the joint picture.
import { readFloat32, readJson, writeJson } from '../../artifacts.ts';
import type { SgdStagesIndex } from '../../experiments/sgd-stages/step.ts';
import type { StepContext } from '../../step.ts';
import { classicalMds, dissimilarityMatrix, type Dissimilarity } from '../mds.ts';

export interface SgdStagesMdsParams {
  layer: number;
  dissimilarity: Dissimilarity;
  /** the view of the later stages starts here (the paper: stage 5) */
  laterStagesFrom: number;
}

export interface MdsView {
  id: string;
  label: string;
  /** rows of snapshots.json in this view, in order */
  snapshots: number[];
  x: number[];
  y: number[];
  /** share of the positive spectrum the two axes carry */
  explained: number;
  /** the leading eigenvalues of the double-centred matrix */
  eigenvalues: number[];
}

export interface SgdStagesMds {
  layer: number;
  dissimilarity: Dissimilarity;
  views: MdsView[];
}

export async function run(ctx: StepContext<SgdStagesMdsParams>): Promise<void> {
  const { layer, dissimilarity, laterStagesFrom } = ctx.params;
  const experiment = ctx.inputs['experiment:sgd-stages']!;
  const index = await readJson<SgdStagesIndex>(experiment, 'snapshots.json');
  const size = index.layerSizes[layer - 1];
  if (size === undefined) throw new Error(`E3 has no layer ${layer}`);
  const flat = await readFloat32(experiment, `layer-${layer}.f32`);
  const n = index.snapshots.length;
  if (flat.length !== n * size) throw new Error(`layer-${layer}.f32 holds ${flat.length} values, expected ${n} x ${size}`);
  const points = Array.from({ length: n }, (_, i) => flat.subarray(i * size, (i + 1) * size));
  const all = dissimilarityMatrix(points, dissimilarity, (done, total) => ctx.progress(done, total, 'dissimilarities'));

  const stages = Math.max(...index.snapshots.map((s) => s.stage));
  const rowsWhere = (keep: (stage: number) => boolean) =>
    index.snapshots.flatMap((s, i) => (keep(s.stage) ? [i] : []));
  const wanted: Array<{ id: string; label: string; rows: number[] }> = [
    { id: 'all', label: `stages 1-${stages}`, rows: rowsWhere(() => true) },
  ];
  if (stages > laterStagesFrom) {
    wanted.push({ id: `from-stage-${laterStagesFrom}`, label: `stages ${laterStagesFrom}-${stages}`, rows: rowsWhere((s) => s >= laterStagesFrom) });
  }
  for (let s = 1; s <= stages; s++) wanted.push({ id: `stage-${s}`, label: `stage ${s}`, rows: rowsWhere((t) => t === s) });

  const views = wanted.map(({ id, label, rows }) => {
    const sub = all.selection(rows, rows);
    const result = classicalMds(sub, 2);
    return {
      id,
      label,
      snapshots: rows,
      x: result.coords.map((c) => c[0]!),
      y: result.coords.map((c) => c[1]!),
      explained: result.explained,
      eigenvalues: result.eigenvalues.slice(0, 10),
    } satisfies MdsView;
  });
  const out: SgdStagesMds = { layer, dissimilarity, views };
  await writeJson(ctx.outDir, 'mds.json', out);
}
