// E4's artifact as its readers see it: the kit's snapshot index (kit/snapshots.ts), whose
// trajectories are the main BGD trajectory, its branches and the epoch-wise averages, told apart
// by their `meta` (role, noise k, and the epoch `from` at which the branch left the main
// trajectory). Shared by the step, the claims, the figures and the tests.
import type { BgdBranchesSettings } from '../../profiles/bgd-branches.ts';
import type { NetSettings } from '../../profiles/net.ts';
import type { SavedEpoch, SnapshotIndex, SnapshotTrajectory } from '../kit/snapshots.ts';

export interface BgdBranchesParams {
  seed: number;
  net: NetSettings;
  bgd: BgdBranchesSettings;
}

export type BgdBranchesIndex = SnapshotIndex<BgdBranchesParams>;

export type Role = 'main' | 'branch' | 'average';

export const MAIN = 'main';
export const branchName = (k: number, from: number): string => `branch-k${k}-from-${from}`;
export const averageName = (k: number, from: number): string => `average-k${k}-from-${from}`;

export const roleOf = (t: SnapshotTrajectory): Role => t.meta['role'] as Role;
export const noiseOf = (t: SnapshotTrajectory): number => Number(t.meta['k']);
/** the epoch of the main trajectory this trajectory's epoch 0 sits at */
export const fromOf = (t: SnapshotTrajectory): number => Number(t.meta['from']);
/** epochs counted from the start of training, as the paper's branch epochs are */
export const trainingEpoch = (t: SnapshotTrajectory, e: SavedEpoch): number => fromOf(t) + e.epoch;

/**
 * A random initial model, which the paper does not evaluate and labels NaN: epoch 0 of the main
 * trajectory and of the branches that leave it at epoch 0.
 */
export const isRandomStart = (t: SnapshotTrajectory, e: SavedEpoch): boolean => roleOf(t) !== 'average' && trainingEpoch(t, e) === 0;

export interface Branch {
  k: number;
  from: number;
  branch: SnapshotTrajectory;
  average: SnapshotTrajectory;
}

export interface BgdRun {
  index: BgdBranchesIndex;
  main: SnapshotTrajectory;
  /** every branch with its averages, by noise level then branch epoch */
  branches: Branch[];
  /** the branches of noise level k, by branch epoch */
  at(k: number): Branch[];
}

export function bgdRun(index: BgdBranchesIndex): BgdRun {
  const named = new Map(index.trajectories.map((t) => [t.name, t]));
  const get = (name: string) => {
    const t = named.get(name);
    if (!t) throw new Error(`the E4 artifact has no trajectory ${name}`);
    return t;
  };
  const { noise, branchEpochs } = index.settings.bgd;
  const branches = noise.flatMap((k) => branchEpochs.map((from) => ({ k, from, branch: get(branchName(k, from)), average: get(averageName(k, from)) })));
  return { index, main: get(MAIN), branches, at: (k) => branches.filter((b) => b.k === k) };
}

/** The saved epoch of a trajectory at training epoch `epoch`, if it has one. */
export function atTrainingEpoch(t: SnapshotTrajectory, epoch: number): SavedEpoch | undefined {
  // saved epochs are consecutive; an average may start at 1 (see isRandomStart)
  const first = t.epochs[0];
  const e = first ? t.epochs[epoch - fromOf(t) - first.epoch] : undefined;
  return e && trainingEpoch(t, e) === epoch ? e : undefined;
}
