// The files of the E1 artifact, written by the step and read by the figures.
import { readFloat32, readJson } from '../../artifacts.ts';
import type { ArtifactRef } from '../../step.ts';
import type { BasinModelSettings } from '../../profiles/basin-model.ts';
import type { Floor } from './landscape.ts';
import type { BranchedRun, InterpolationLine, PerturbResult, RunRecord } from './simulate.ts';

/** What the E1 step reads: its profile table plus the root seed. */
export type BasinModelParams = BasinModelSettings & { seed: number };

export const FILES = {
  params: 'params.json',
  model: 'model.json',
  grids: 'grids.json',
  profiles: 'profiles.json',
  runs: 'runs.json',
  branches: 'branches.json',
  perturb: 'perturb.json',
  interpolation: 'interpolation.json',
} as const;

export interface ModelSummary {
  domain: number;
  wall: { height: number; width: number };
  steepness: number;
  floors: Floor[];
  /** index of the floor nearest the domain's centre (close-ups, perturbations) */
  focus: number;
  levels: { level: number; spacing: number; floorRadius: number; reach: number; depth: number; count: number; file: string }[];
}

export interface GridEntry {
  /** e.g. 'full-L0', 'zoom-L2', 'detail-L3' */
  name: string;
  file: string;
  window: 'full' | 'zoom' | 'detail';
  level: number;
  x0: number;
  y0: number;
  cell: number;
  n: number;
}

export interface ProfilesFile {
  /** the horizontal line through the focus floor's centre */
  y: number;
  x: number[];
  /** loss along the line, by fractal level ('0' is the plain model) */
  loss: Record<string, number[]>;
}

export interface RunsFile {
  maxLevel: number;
  /** the same starts and noise stream on the fractal landscape and on the plain one */
  fractal: RunRecord[];
  plain: RunRecord[];
}

export interface BranchesFile {
  maxLevel: number;
  run: BranchedRun;
}

export interface BasinArtifact {
  params: BasinModelParams;
  model: ModelSummary;
  grids: GridEntry[];
  profiles: ProfilesFile;
  runs: RunsFile;
  branches: BranchesFile;
  perturb: PerturbResult;
  interpolation: InterpolationLine[];
}

export async function readBasinArtifact(ref: ArtifactRef | string): Promise<BasinArtifact> {
  return {
    params: await readJson(ref, FILES.params),
    model: await readJson(ref, FILES.model),
    grids: await readJson(ref, FILES.grids),
    profiles: await readJson(ref, FILES.profiles),
    runs: await readJson(ref, FILES.runs),
    branches: await readJson(ref, FILES.branches),
    perturb: await readJson(ref, FILES.perturb),
    interpolation: await readJson(ref, FILES.interpolation),
  };
}

export async function readGrid(ref: ArtifactRef | string, artifact: BasinArtifact, name: string): Promise<{ entry: GridEntry; values: Float32Array }> {
  const entry = artifact.grids.find((g) => g.name === name);
  if (!entry) throw new Error(`basin-model artifact has no grid '${name}' (has: ${artifact.grids.map((g) => g.name).join(', ')})`);
  const values = await readFloat32(ref, entry.file);
  if (values.length !== entry.n * entry.n) throw new Error(`${entry.file}: expected ${entry.n * entry.n} values, found ${values.length}`);
  return { entry, values };
}
