// E6's artifact: the error and loss along straight lines between E5's models and along random
// filter-normalized directions around M_final and the early model. One file; its types, reader
// and the measures read off a profile (barriers, curvature) live here, shared by the step, the
// claims, the figures and the tests.
import { readJson, writeJson } from '../../artifacts.ts';
import type { NetSettings } from '../../profiles/net.ts';
import type { InterpolationSettings } from '../../profiles/interpolation.ts';
import type { ArtifactRef } from '../../step.ts';

export const INTERPOLATION_STEP = 'experiment:interpolation';
const FILE = 'interpolation.json';

export interface InterpolationParams {
  seed: number;
  net: NetSettings;
  interpolation: InterpolationSettings;
}

/** Error and loss at each point of a profile, in the order of its parameter values. */
export interface Measured {
  trainError: number[];
  trainLoss: number[];
  testError: number[];
  testLoss: number[];
}

export type LineKind =
  /** between two converged copies of one noise level */
  | 'within'
  /** between global minima trained from different random initializations */
  | 'between'
  /** from M_final to one of its converged copies */
  | 'from-final';

export interface LineProfile extends Measured {
  id: string;
  kind: LineKind;
  /** the noise level of the copies it joins (within, from-final) */
  k?: number;
  /** the end points, as the figures name them (a = 0 and a = 1; a copy's k is the line's) */
  from: string;
  to: string;
  a: number[];
}

export type DirectionCentre = 'final' | 'early';

export interface DirectionProfile extends Measured {
  centre: DirectionCentre;
  /** 1.. count; direction d is drawn from the same stream around both centres */
  direction: number;
  t: number[];
  /** the second difference of the training loss at t = 0, over the nearest grid step */
  curvature: number;
}

export interface InterpolationArtifact {
  settings: InterpolationParams;
  /** the epoch of M_final's SGD run that is the early model */
  earlyEpoch: number;
  lines: LineProfile[];
  directions: DirectionProfile[];
}

export function writeInterpolation(dir: string, artifact: InterpolationArtifact): Promise<void> {
  return writeJson(dir, FILE, artifact);
}

export function readInterpolation(ref: ArtifactRef | string): Promise<InterpolationArtifact> {
  return readJson<InterpolationArtifact>(ref, FILE);
}

/** `points` evenly spaced values from `from` to `to`, rounded so that 0 and 1 come out exact. */
export function grid(from: number, to: number, points: number): number[] {
  if (!Number.isInteger(points) || points < 2) throw new Error(`a profile needs at least 2 points, got ${points}`);
  return Array.from({ length: points }, (_, i) => Number((from + ((to - from) * i) / (points - 1)).toFixed(10)));
}

/** The highest training error on the segment 0 <= a <= 1, and how far it rises above the ends. */
export function barrier(line: LineProfile): { highest: number; ends: [number, number]; aboveWorse: number; aboveMean: number } {
  const at = (a: number) => {
    const i = line.a.indexOf(a);
    if (i < 0) throw new Error(`line ${line.id} has no point at a = ${a}`);
    return line.trainError[i]!;
  };
  const ends: [number, number] = [at(0), at(1)];
  const highest = Math.max(...line.a.flatMap((a, i) => (a >= 0 && a <= 1 ? [line.trainError[i]!] : [])));
  return { highest, ends, aboveWorse: highest - Math.max(...ends), aboveMean: highest - (ends[0] + ends[1]) / 2 };
}

/**
 * The radius of the flatness check: a step of 0.1 along a filter-normalized direction moves every
 * filter by a tenth of its norm, about the size of Figure 5's kick of 0.1 x S.
 */
export const FLAT_RADIUS = 0.1;

/**
 * Whether the training error stays within 0.5 point of the centre's out to the radius, on both
 * sides. Around a model at zero error this is "keeps training error <= 0.5 %"; around the early
 * model, which is not at zero, it asks the same of its rise.
 */
export function staysFlat(profile: DirectionProfile, radius = FLAT_RADIUS): boolean {
  const centre = profile.trainError[profile.t.indexOf(0)]!;
  return profile.t.every((t, i) => Math.abs(t) > radius + 1e-9 || profile.trainError[i]! <= centre + 0.005);
}
