// Sampling the landscape for the figures: square heatmaps (cell centres, row-major with y outer)
// and 1-D profiles along a horizontal line.
import { lossAt, type LandscapeModel } from './landscape.ts';

export interface GridSpec {
  /** lower-left corner of the window and the side of one cell */
  x0: number;
  y0: number;
  cell: number;
  /** cells per side */
  n: number;
}

export function sampleGrid(model: LandscapeModel, maxLevel: number, grid: GridSpec): Float32Array {
  const values = new Float32Array(grid.n * grid.n);
  for (let iy = 0; iy < grid.n; iy++) {
    const y = grid.y0 + (iy + 0.5) * grid.cell;
    for (let ix = 0; ix < grid.n; ix++) {
      values[iy * grid.n + ix] = lossAt(model, grid.x0 + (ix + 0.5) * grid.cell, y, maxLevel);
    }
  }
  return values;
}

/** Loss at `points` evenly spaced x in [x0, x1] (both ends included) on the line at height y. */
export function sampleProfile(model: LandscapeModel, maxLevel: number, y: number, x0: number, x1: number, points: number): number[] {
  return Array.from({ length: points }, (_, k) => lossAt(model, x0 + ((x1 - x0) * k) / (points - 1), y, maxLevel));
}
