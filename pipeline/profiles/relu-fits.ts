import type { PerProfile } from './names.ts';

/** E2 (analysis part): least-squares polynomial approximations of ReLU on [-a, a]. */
export interface ReluFitsSettings {
  /**
   * The interval [-a, a] the fit is made on; the polynomial nets of E2 use these fits. Batch norm
   * standardises each channel, but its outputs have heavier tails than a Gaussian's: in trial runs
   * of the preview net about 1.7 % of them fell outside [-3, 3] (a Gaussian: 0.27 %) and about
   * 0.5 % outside [-4, 4], hence a = 4. E2 measures the share outside on every run.
   */
  a: number;
  degrees: number[];
  /** samples of each curve kept for the figures */
  curvePoints: number;
  /** grid points per half-interval on which the error's critical points are bracketed before refinement */
  searchPoints: number;
}

const degrees = [2, 4, 8, 16];

export const reluFits: PerProfile<ReluFitsSettings> = {
  smoke: { a: 4, degrees, curvePoints: 241, searchPoints: 4000 },
  preview: { a: 4, degrees, curvePoints: 481, searchPoints: 20000 },
  cifar: { a: 4, degrees, curvePoints: 961, searchPoints: 100000 },
  paper: { a: 4, degrees, curvePoints: 961, searchPoints: 100000 },
};
