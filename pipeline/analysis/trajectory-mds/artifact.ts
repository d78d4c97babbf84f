// The MDS artifact: one file, read by figures and claims through `readMds`.
import { readJson, writeJson } from '../../artifacts.ts';
import type { PaperLayer } from '../../engine/net.ts';
import type { ArtifactRef } from '../../step.ts';
import type { Dissimilarity } from '../mds.ts';

const MDS_FILE = 'mds.json';

export interface MdsView {
  id: string;
  label: string;
  /** rows of the snapshot artifact in this view, in order; x[i], y[i] belong to rows[i] */
  rows: number[];
  x: number[];
  y: number[];
  /** share of the positive spectrum the two axes carry */
  explained: number;
  /** |negative eigenvalues| / |all eigenvalues|: 0 for a Euclidean dissimilarity */
  negativeMass: number;
  /** Spearman correlation of map distances with the dissimilarities, over all pairs */
  spearman: number;
  /** the leading eigenvalues of the double-centred matrix */
  eigenvalues: number[];
}

export interface MdsArtifact {
  experiment: string;
  layer: PaperLayer;
  dissimilarity: Dissimilarity;
  views: MdsView[];
}

export function writeMds(dir: string, artifact: MdsArtifact): Promise<void> {
  return writeJson(dir, MDS_FILE, artifact);
}

export function readMds(ref: ArtifactRef | string): Promise<MdsArtifact> {
  return readJson<MdsArtifact>(ref, MDS_FILE);
}

export function mdsView(artifact: MdsArtifact, id: string): MdsView {
  const view = artifact.views.find((v) => v.id === id);
  if (!view) throw new Error(`the layer-${artifact.layer} MDS of ${artifact.experiment} has no view '${id}' (has: ${artifact.views.map((v) => v.id).join(', ')})`);
  return view;
}

/** How a panel's faithfulness reads in a caption: axes' share, negative mass, rank correlation. */
export function describeQuality(view: MdsView): string {
  const pct = (v: number) => `${(100 * v).toFixed(0)} %`;
  const neg = view.negativeMass < 5e-4 ? 'no negative eigenvalues' : `negative eigenvalue mass ${pct(view.negativeMass)}`;
  return `axes ${pct(view.explained)} of the spectrum, ${neg}, rank correlation ${view.spearman.toFixed(2)}`;
}
