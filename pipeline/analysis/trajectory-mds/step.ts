// MDS of one layer of a training experiment's snapshots. The dissimilarities of every snapshot
// any view takes are computed once (one pass over the weights); each view is then its own
// classical MDS of its rows, with the measures of how faithful its map is.
import { readLayer, readSnapshotIndex } from '../../experiments/kit/snapshots.ts';
import type { PaperLayer } from '../../engine/net.ts';
import type { StepContext } from '../../step.ts';
import { classicalMds, dissimilarityMatrix, type Dissimilarity } from '../mds.ts';
import { mapRankCorrelation, negativeMass } from '../mds-quality.ts';
import { writeMds, type MdsView } from './artifact.ts';
import { viewRows, type MdsViewDecl } from './views.ts';

export interface TrajectoryMdsParams {
  experiment: string;
  /** the step whose snapshot artifact it reads */
  source: string;
  layer: PaperLayer;
  dissimilarity: Dissimilarity;
  views: MdsViewDecl[];
}

export async function run(ctx: StepContext<TrajectoryMdsParams>): Promise<void> {
  const { experiment, source, layer, dissimilarity, views } = ctx.params;
  const ref = ctx.inputs[source]!;
  const index = await readSnapshotIndex(ref);
  const points = await readLayer(ref, index, layer);
  const wanted = views.map((v) => ({ decl: v, rows: viewRows(index, v) }));
  const empty = wanted.find((w) => w.rows.length < 2);
  if (empty) throw new Error(`MDS view '${empty.decl.id}' of ${experiment} takes ${empty.rows.length} snapshot(s); a map needs at least 2`);

  // one dissimilarity matrix over every row any view uses
  const used = [...new Set(wanted.flatMap((w) => w.rows))].sort((a, b) => a - b);
  const position = new Map(used.map((row, i) => [row, i]));
  const all = dissimilarityMatrix(
    used.map((row) => points[row]!),
    dissimilarity,
    (done, total) => ctx.progress(done, total, `layer ${layer} dissimilarities`),
  );
  const out: MdsView[] = wanted.map(({ decl, rows }) => {
    const at = rows.map((r) => position.get(r)!);
    const D = all.selection(at, at);
    const result = classicalMds(D, 2);
    return {
      id: decl.id,
      label: decl.label,
      rows,
      x: result.coords.map((c) => c[0]!),
      y: result.coords.map((c) => c[1]!),
      explained: result.explained,
      negativeMass: negativeMass(result.eigenvalues),
      spearman: mapRankCorrelation(D, result.coords),
      eigenvalues: result.eigenvalues.slice(0, 10),
    };
  });
  await writeMds(ctx.outDir, { experiment, layer, dissimilarity, views: out });
}
