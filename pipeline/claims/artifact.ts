// The claims artifact of a claim group: one file, read by the run manifest's writer and the tests.
import { readJson, writeJson } from '../artifacts.ts';
import type { ArtifactRef } from '../step.ts';
import type { ClaimResult } from './types.ts';

const CLAIMS_FILE = 'claims.json';

export interface ClaimsArtifact {
  group: string;
  results: ClaimResult[];
}

export function writeClaims(dir: string, artifact: ClaimsArtifact): Promise<void> {
  return writeJson(dir, CLAIMS_FILE, artifact);
}

export function readClaims(ref: ArtifactRef | string): Promise<ClaimsArtifact> {
  return readJson<ClaimsArtifact>(ref, CLAIMS_FILE);
}
