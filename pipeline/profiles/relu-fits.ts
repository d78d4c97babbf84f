import type { PerProfile } from './names.ts';

/** E2 (analysis part): least-squares polynomial approximations of ReLU on [-a, a]. */
export interface ReluFitsSettings {
  /** the interval [-a, a] the fit is made on (pre-activations after batch norm are mostly within +-3) */
  a: number;
  degrees: number[];
  /** samples of each curve kept for the figures */
  curvePoints: number;
  /** grid points per half-interval on which the error's critical points are bracketed before refinement */
  searchPoints: number;
}

const degrees = [2, 4, 8, 16];

export const reluFits: PerProfile<ReluFitsSettings> = {
  smoke: { a: 3, degrees, curvePoints: 241, searchPoints: 4000 },
  preview: { a: 3, degrees, curvePoints: 481, searchPoints: 20000 },
  cifar: { a: 3, degrees, curvePoints: 961, searchPoints: 100000 },
  paper: { a: 3, degrees, curvePoints: 961, searchPoints: 100000 },
};
