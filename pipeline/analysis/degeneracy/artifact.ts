// The degeneracy artifact (Figure 45, the claim degenerate-minima): the spectrum of E5's converged
// copies around M_final, and the exact check of Corollary 1 on a small regression net. One file,
// one reader, shared by the step, the claims, the figure and the tests.
import { readJson, writeJson } from '../../artifacts.ts';
import type { ArtifactRef } from '../../step.ts';
import type { CopySpectrum } from './copies.ts';
import type { CorollaryResult } from './corollary.ts';

export const DEGENERACY_STEP = 'analysis:degeneracy';
const FILE = 'degeneracy.json';

export interface DegeneracyArtifact {
  /** per noise level k, then all copies together */
  copies: CopySpectrum[];
  corollary: CorollaryResult;
}

export function writeDegeneracy(dir: string, artifact: DegeneracyArtifact): Promise<void> {
  return writeJson(dir, FILE, artifact);
}

export function readDegeneracy(ref: ArtifactRef | string): Promise<DegeneracyArtifact> {
  return readJson<DegeneracyArtifact>(ref, FILE);
}
