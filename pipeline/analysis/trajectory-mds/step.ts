// MDS of one layer of a training experiment's snapshots. The dissimilarities of every snapshot
// any view takes are computed once (one pass over the weights); each view is then its own
// classical MDS of its rows, with the measures of how faithful its map is.
import { divergenceNote, readLayer, readSnapshotIndex } from '../../experiments/kit/snapshots.ts';
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
  const selected = views.map((v) => ({ decl: v, rows: viewRows(index, v) }));
  // a view left with fewer than two models by training that diverged is kept, empty, and says
  // so; otherwise such a view is a mistake in its declaration
  const diverged = divergenceNote(index);
  const tooSmall = selected.find((w) => w.rows.length < 2);
  if (tooSmall && !diverged) throw new Error(`MDS view '${tooSmall.decl.id}' of ${experiment} takes ${tooSmall.rows.length} snapshot(s); a map needs at least 2`);
  const wanted = selected.filter((w) => w.rows.length >= 2);

  // one dissimilarity matrix over every row any view uses
  const used = [...new Set(wanted.flatMap((w) => w.rows))].sort((a, b) => a - b);
  const position = new Map(used.map((row, i) => [row, i]));
  const all =
    used.length > 0
      ? dissimilarityMatrix(
          used.map((row) => points[row]!),
          dissimilarity,
          (done, total) => ctx.progress(done, total, `layer ${layer} dissimilarities`),
        )
      : null;
  const mapped = new Map<string, MdsView>();
  for (const { decl, rows } of wanted) {
    const at = rows.map((r) => position.get(r)!);
    const D = all!.selection(at, at);
    const result = classicalMds(D, 2);
    mapped.set(decl.id, {
      id: decl.id,
      label: decl.label,
      rows,
      x: result.coords.map((c) => c[0]!),
      y: result.coords.map((c) => c[1]!),
      explained: result.explained,
      negativeMass: negativeMass(result.eigenvalues),
      spearman: mapRankCorrelation(D, result.coords),
      eigenvalues: result.eigenvalues.slice(0, 10),
    });
  }
  const out = selected.map(({ decl, rows }): MdsView =>
    mapped.get(decl.id) ?? { id: decl.id, label: decl.label, rows: [], x: [], y: [], explained: 0, negativeMass: 0, spearman: 0, eigenvalues: [], empty: `${rows.length === 0 ? 'no model' : 'a single model'} to place. ${diverged}` },
  );
  await writeMds(ctx.outDir, { experiment, layer, dissimilarity, views: out });
}
