import type { PerProfile } from './names.ts';

/** E6: straight lines between E5's models, and 1-D profiles along random directions. */
export interface InterpolationSettings {
  /** w(a) = (1 - a) wA + a wB at `points` evenly spaced values of a from `from` to `to` */
  line: { points: number; from: number; to: number };
  /**
   * Random filter-normalized directions around M_final and around the early model: the loss at
   * w + t d for `points` evenly spaced t in [-span, span].
   */
  directions: { count: number; points: number; span: number };
}

// The paper's lines have 41 points (a step of 0.05). Every point is a model evaluated on the whole
// training and test set, so the small profiles take a step of 0.1 (preview) or 0.5 (smoke) and
// fewer directions; a step of 0.05 along the directions keeps t = ±0.1, the radius of the flatness
// check, on the grid (preview).
export const interpolation: PerProfile<InterpolationSettings> = {
  smoke: { line: { points: 5, from: -0.5, to: 1.5 }, directions: { count: 3, points: 5, span: 0.2 } },
  preview: { line: { points: 21, from: -0.5, to: 1.5 }, directions: { count: 10, points: 21, span: 0.5 } },
  cifar: { line: { points: 41, from: -0.5, to: 1.5 }, directions: { count: 20, points: 41, span: 1 } },
  paper: { line: { points: 41, from: -0.5, to: 1.5 }, directions: { count: 20, points: 41, span: 1 } },
};
