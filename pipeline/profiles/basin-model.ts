import type { PerProfile } from './names.ts';

/**
 * E1: the paper's intuitive model of the landscape, as a 2-D function. Lengths are in the units
 * of the square domain [-domain, domain]^2; losses in the units of `wall.height`.
 */
export interface BasinModelSettings {
  /** added to the profile seed; each random stream of E1 adds its own small offset to this */
  seedOffset: number;
  /** half-width of the square domain */
  domain: number;
  /** the zero-loss floors: discs placed at random, kept apart by at least `minGap` */
  basins: { count: number; radiusMin: number; radiusMax: number; minGap: number };
  /** the wall around the floors: loss = height * (t + t^2), t = distance to the nearest floor / width */
  wall: { height: number; width: number };
  /** the basin-fractal: smaller flat-bottomed basins on the walls, level after level */
  fractal: {
    levels: number;
    /** grid spacing of the level-1 basins; each level multiplies it by `shrink` */
    spacing: number;
    shrink: number;
    /** floor radius, wall reach and centre jitter of a small basin, as fractions of its spacing */
    floorRadius: number;
    reach: number;
    jitter: number;
    /** how far (as a fraction of the local loss) a level-1 floor sits below the landscape it is cut into */
    depth: number;
    /** each level's depth is the previous one times this */
    depthDecay: number;
    /** how fast a small basin's wall climbs back to the landscape (larger: steeper) */
    steepness: number;
  };
  /** sampling for the figures */
  grid: {
    /** cells per side of the full-domain heatmaps */
    cells: number;
    /** cells per side of the close-up heatmaps around the focus basin */
    zoomCells: number;
    /** half-width of the close-up window around the focus basin */
    zoomHalfWidth: number;
    /** half-width of the detail window on the focus basin's wall, just right of its floor */
    detailHalfWidth: number;
    /** samples of the 1-D profiles through the focus basin */
    profilePoints: number;
  };
  /** noisy gradient descent from many random starts, on the basin-fractal landscape */
  runs: {
    count: number;
    steps: number;
    stepSize: number;
    /** noise std per step is noise * sqrt(loss): it vanishes on the zero-loss floors, as SGD's does */
    noise: number;
    /** cap on the length of a step's gradient move (gradient clipping; the small basins' walls are steep) */
    maxMove: number;
    /** keep every n-th point of a trajectory for the figures */
    recordEvery: number;
  };
  /** one noisy run with branches split off by a Gaussian kick at the given steps */
  branches: { at: number[]; kick: number; steps: number };
  /**
   * Perturb a point on a basin floor and retrain with plain gradient descent (on the basins
   * without fractal walls). Perturbation stds are multiples of the start point's margin.
   */
  perturb: { runs: number; small: number; large: number; steps: number };
  /** straight lines w(a) = (1 - a) wA + a wB between retrained end points */
  interpolation: { pairs: number; points: number; from: number; to: number };
}

const paperSettings: BasinModelSettings = {
  seedOffset: 100,
  domain: 1,
  basins: { count: 7, radiusMin: 0.1, radiusMax: 0.2, minGap: 0.12 },
  wall: { height: 1, width: 0.5 },
  fractal: {
    levels: 3,
    spacing: 0.25,
    shrink: 0.4,
    floorRadius: 0.12,
    reach: 0.2,
    jitter: 0.15,
    depth: 0.35,
    depthDecay: 0.6,
    steepness: 2,
  },
  // every cell becomes a mark in the SVG and a row in the spec: 64 a side keeps a page of six
  // maps near a megabyte, with cells of about 4 pixels at the size the maps are drawn
  grid: { cells: 64, zoomCells: 64, zoomHalfWidth: 0.45, detailHalfWidth: 0.15, profilePoints: 1201 },
  runs: { count: 128, steps: 1500, stepSize: 0.002, noise: 0.02, maxMove: 0.03, recordEvery: 10 },
  branches: { at: [0, 20, 80, 200], kick: 0.3, steps: 1000 },
  perturb: { runs: 200, small: 0.3, large: 2, steps: 1000 },
  interpolation: { pairs: 6, points: 161, from: -0.5, to: 1.5 },
};

export const basinModel: PerProfile<BasinModelSettings> = {
  smoke: {
    ...paperSettings,
    basins: { ...paperSettings.basins, count: 5 },
    grid: { cells: 60, zoomCells: 60, zoomHalfWidth: 0.45, detailHalfWidth: 0.15, profilePoints: 401 },
    runs: { ...paperSettings.runs, count: 16, steps: 600 },
    branches: { ...paperSettings.branches, steps: 600 },
    perturb: { ...paperSettings.perturb, runs: 24 },
    interpolation: { ...paperSettings.interpolation, pairs: 3, points: 81 },
  },
  preview: {
    ...paperSettings,
    grid: { ...paperSettings.grid, profilePoints: 801 },
    runs: { ...paperSettings.runs, count: 48, steps: 1000 },
    branches: { ...paperSettings.branches, steps: 800 },
    perturb: { ...paperSettings.perturb, runs: 80 },
    interpolation: { ...paperSettings.interpolation, pairs: 4, points: 121 },
  },
  cifar: paperSettings,
  paper: paperSettings,
};
