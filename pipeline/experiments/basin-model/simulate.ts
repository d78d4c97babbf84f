// The protocols the paper runs on CIFAR-10, run on the model landscape instead: parallel noisy
// descents from many starts, branches split off a running descent, perturb-and-retrain from a
// point on a floor, and straight lines between the end points.
import type { BasinModelSettings } from '../../profiles/basin-model.ts';
import { descend, type Trajectory } from './descent.ts';
import { floorAt, lossAt, placeOf, type LandscapeModel, type Place } from './landscape.ts';
import type { RandomStream } from './random.ts';

export interface RunRecord {
  start: { x: number; y: number };
  trajectory: Trajectory;
  place: Place;
}

/** Noisy descents from starts drawn uniformly over the domain. */
export function parallelRuns(model: LandscapeModel, maxLevel: number, settings: BasinModelSettings, rng: RandomStream): RunRecord[] {
  const D = settings.domain;
  const { count, steps, stepSize, noise, maxMove, recordEvery } = settings.runs;
  const starts = Array.from({ length: count }, () => ({ x: D * (2 * rng.uniform() - 1), y: D * (2 * rng.uniform() - 1) }));
  return starts.map((start) => {
    const trajectory = descend(model, start, { steps, stepSize, noise, maxMove, recordEvery, maxLevel }, rng);
    return { start, trajectory, place: placeOf(model, trajectory.end.x, trajectory.end.y, maxLevel) };
  });
}

export interface BranchRecord {
  /** step of the main run at which the branch splits off */
  at: number;
  kick: { x: number; y: number };
  trajectory: Trajectory;
  place: Place;
}

export interface BranchedRun {
  main: RunRecord;
  branches: BranchRecord[];
}

/**
 * One noisy run from the highest of four points near the corners; at each step in `at` a
 * branch starts from the main run's position plus a Gaussian kick and descends on its own.
 */
export function branchedRun(model: LandscapeModel, maxLevel: number, settings: BasinModelSettings, rng: RandomStream): BranchedRun {
  const D = settings.domain;
  const { stepSize, noise, maxMove } = settings.runs;
  const { at, kick, steps } = settings.branches;
  const corners = [
    { x: -0.85 * D, y: -0.85 * D },
    { x: 0.85 * D, y: -0.85 * D },
    { x: -0.85 * D, y: 0.85 * D },
    { x: 0.85 * D, y: 0.85 * D },
  ];
  let start = corners[0]!;
  for (const c of corners) if (lossAt(model, c.x, c.y, maxLevel) > lossAt(model, start.x, start.y, maxLevel)) start = c;
  // the main run records every step so each branch point is known exactly
  const mainFull = descend(model, start, { steps, stepSize, noise, maxMove, recordEvery: 1, maxLevel }, rng);
  const every = settings.runs.recordEvery;
  const main: RunRecord = { start, trajectory: thin(mainFull, every), place: placeOf(model, mainFull.end.x, mainFull.end.y, maxLevel) };
  const branches = at
    .filter((s) => s < steps)
    .map((s): BranchRecord => {
      const kickVec = { x: kick * rng.gaussian(), y: kick * rng.gaussian() };
      const from = { x: mainFull.x[s]! + kickVec.x, y: mainFull.y[s]! + kickVec.y };
      const t = descend(model, from, { steps: steps - s, stepSize, noise, maxMove, recordEvery: every, maxLevel }, rng);
      // count a branch's steps on the main run's clock
      const shifted: Trajectory = { ...t, step: t.step.map((k) => k + s), settledAt: t.settledAt === null ? null : t.settledAt + s };
      return { at: s, kick: kickVec, trajectory: shifted, place: placeOf(model, t.end.x, t.end.y, maxLevel) };
    });
  return { main, branches };
}

function thin(t: Trajectory, every: number): Trajectory {
  const keep = t.step.map((s, i) => (s % every === 0 || i === t.step.length - 1 ? i : -1)).filter((i) => i >= 0);
  return {
    step: keep.map((i) => t.step[i]!),
    x: keep.map((i) => t.x[i]!),
    y: keep.map((i) => t.y[i]!),
    loss: keep.map((i) => t.loss[i]!),
    settledAt: t.settledAt,
    end: t.end,
  };
}

export interface PerturbRun {
  size: 'small' | 'large';
  /** the perturbation and its length */
  dx: number;
  dy: number;
  norm: number;
  /** the perturbed point and its loss */
  from: { x: number; y: number; loss: number };
  end: { x: number; y: number; loss: number };
  /** big floor the retrained point ends on, -1 if it did not reach one */
  endBasin: number;
  settledAt: number | null;
}

export interface PerturbResult {
  startBasin: number;
  start: { x: number; y: number };
  /**
   * Radius of the disc around the start that plain gradient descent provably maps back onto the
   * start floor: half the distance from the start to the nearest other floor. A move by less
   * than this changes the distance to any floor by less than it, so the start floor stays the
   * nearest one, and descent heads straight for it.
   */
  margin: number;
  /** perturbation stds actually used (multiples of the margin times the margin) */
  std: { small: number; large: number };
  runs: PerturbRun[];
}

/** Perturb the centre of the focus floor and retrain with plain gradient descent on the plain basins. */
export function perturbAndRetrain(plain: LandscapeModel, focus: number, settings: BasinModelSettings, rng: RandomStream): PerturbResult {
  const floor = plain.floors[focus]!;
  const start = { x: floor.x, y: floor.y };
  const margin = marginAt(plain, focus, start.x, start.y);
  const std = { small: settings.perturb.small * margin, large: settings.perturb.large * margin };
  const runs: PerturbRun[] = [];
  for (const size of ['small', 'large'] as const) {
    for (let k = 0; k < settings.perturb.runs; k++) {
      const dx = std[size] * rng.gaussian();
      const dy = std[size] * rng.gaussian();
      const from = { x: start.x + dx, y: start.y + dy };
      const t = descend(plain, from, { steps: settings.perturb.steps, stepSize: settings.runs.stepSize, noise: 0, maxMove: settings.runs.maxMove, recordEvery: settings.perturb.steps, maxLevel: 0 }, null);
      runs.push({
        size,
        dx,
        dy,
        norm: Math.hypot(dx, dy),
        from: { ...from, loss: t.loss[0]! },
        end: t.end,
        endBasin: t.end.loss === 0 ? floorAt(plain, t.end.x, t.end.y) : -1,
        settledAt: t.settledAt,
      });
    }
  }
  return { startBasin: focus, start, margin, std, runs };
}

/** Half the smallest distance from (x, y) to a floor other than `own` (see PerturbResult.margin). */
export function marginAt(model: LandscapeModel, own: number, x: number, y: number): number {
  let nearest = Infinity;
  model.floors.forEach((f, i) => {
    if (i !== own) nearest = Math.min(nearest, Math.hypot(x - f.x, y - f.y) - f.r);
  });
  return nearest / 2;
}

export interface InterpolationLine {
  kind: 'within' | 'between';
  a: number[];
  loss: number[];
  from: { x: number; y: number; basin: number };
  to: { x: number; y: number; basin: number };
}

/**
 * Straight lines w(a) = (1 - a) wA + a wB on the plain basins. Within: pairs of retrained end
 * points on the start floor (large perturbations first, as they land on the floor's edge at
 * different places). Between: an end point on the start floor and one on another floor.
 */
export function interpolate(plain: LandscapeModel, perturb: PerturbResult, settings: BasinModelSettings): InterpolationLine[] {
  const { pairs, points, from, to } = settings.interpolation;
  const ends = (where: (r: PerturbRun) => boolean): PerturbRun[] =>
    [...perturb.runs.filter((r) => r.size === 'large'), ...perturb.runs.filter((r) => r.size === 'small')].filter(where);
  const home = ends((r) => r.endBasin === perturb.startBasin);
  const away = ends((r) => r.endBasin >= 0 && r.endBasin !== perturb.startBasin);

  const within: [PerturbRun, PerturbRun][] = [];
  for (let i = 0; i + 1 < home.length && within.length < pairs; i += 2) {
    const p = home[i]!;
    const q = home[i + 1]!;
    // two runs that never left the floor may sit at almost the same point: skip such pairs
    if (Math.hypot(p.end.x - q.end.x, p.end.y - q.end.y) > 1e-6) within.push([p, q]);
  }
  const between: [PerturbRun, PerturbRun][] = [];
  for (let i = 0; i < Math.min(pairs, home.length, away.length); i++) between.push([home[i]!, away[i]!]);

  // a_k written so that a = 0 and a = 1 fall exactly on grid points when (to - from) divides evenly
  const a = Array.from({ length: points }, (_, k) => (from * (points - 1 - k) + to * k) / (points - 1));
  const line = (kind: 'within' | 'between', [p, q]: [PerturbRun, PerturbRun]): InterpolationLine => ({
    kind,
    a,
    loss: a.map((t) => lossAt(plain, (1 - t) * p.end.x + t * q.end.x, (1 - t) * p.end.y + t * q.end.y, 0)),
    from: { x: p.end.x, y: p.end.y, basin: p.endBasin },
    to: { x: q.end.x, y: q.end.y, basin: q.endBasin },
  });
  return [...within.map((pq) => line('within', pq)), ...between.map((pq) => line('between', pq))];
}
