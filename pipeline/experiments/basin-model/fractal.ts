// The basin-fractal: level after level, small flat-bottomed basins are cut into the walls of the
// landscape built so far. Level l uses a jittered grid of spacing  spacing * shrink^(l-1); a
// candidate is kept when its whole support (floor plus reach) avoids every floor of the levels
// before it, so it sits on a wall. Its floor is set a fraction `depth_l` below the lowest value of
// the landscape around it, which makes the floor flat and, for a deep enough cut, a real trap; its
// wall is scaled to reach the highest value over its footprint at a fixed fraction of its reach
// (where steepness * g(s) = 1), so the wall stays as gentle as the cut allows.
import type { BasinModelSettings } from '../../profiles/basin-model.ts';
import { evaluate, newEvaluation, type Floor, type LandscapeModel, type WallBasin } from './landscape.ts';
import type { RandomStream } from './random.ts';

/** Angles at which the landscape under a candidate is sampled, on two rings. */
const RING_SAMPLES = 12;

export function checkFractalSettings(f: BasinModelSettings['fractal']): void {
  const support = f.floorRadius + f.reach;
  // siblings in neighbouring cells must not overlap, and no support may leave its 3x3 cells
  if (f.jitter < 0 || f.jitter > 0.5 - support) {
    throw new Error(
      `basin model: fractal jitter ${f.jitter} must lie in [0, 0.5 - floorRadius - reach] = [0, ${0.5 - support}] so that sibling basins stay apart`,
    );
  }
  if (!(f.levels >= 0 && f.levels <= 3)) throw new Error(`basin model: fractal levels must be 0..3, got ${f.levels}`);
  if (!(f.depth > 0 && f.depth < 1)) throw new Error(`basin model: fractal depth must be in (0, 1), got ${f.depth}`);
}

export function buildPlainModel(settings: BasinModelSettings, floors: Floor[]): LandscapeModel {
  return {
    domain: settings.domain,
    wall: { ...settings.wall },
    floors,
    steepness: settings.fractal.steepness,
    levels: [],
  };
}

/** Adds the fractal levels to a plain model (returns a new model; the plain one is untouched). */
export function addFractalLevels(plain: LandscapeModel, settings: BasinModelSettings, rng: RandomStream): LandscapeModel {
  const f = settings.fractal;
  checkFractalSettings(f);
  const D = settings.domain;
  const model: LandscapeModel = { ...plain, levels: [] };
  const e = newEvaluation();
  let firstId = 0;
  for (let level = 1; level <= f.levels; level++) {
    const spacing = f.spacing * Math.pow(f.shrink, level - 1);
    const rho = f.floorRadius * spacing;
    const reach = f.reach * spacing;
    const support = rho + reach;
    const depth = f.depth * Math.pow(f.depthDecay, level - 1);
    const cells = Math.ceil((2 * D) / spacing);
    const cellBasin = new Int32Array(cells * cells).fill(-1);
    const basins: WallBasin[] = [];
    for (let iy = 0; iy < cells; iy++) {
      for (let ix = 0; ix < cells; ix++) {
        // both draws happen for every cell, kept or not, so the stream does not depend on the shape
        const x = -D + (ix + 0.5) * spacing + f.jitter * spacing * (2 * rng.uniform() - 1);
        const y = -D + (iy + 0.5) * spacing + f.jitter * spacing * (2 * rng.uniform() - 1);
        if (!clearOfFloors(model, x, y, support)) continue;
        // the lowest loss under the floor and the inner wall sets the floor's height; the highest
        // loss over the whole footprint sets how far the wall must climb to rejoin the landscape
        let low = evaluate(model, x, y, level - 1, e);
        let high = low;
        for (const radius of [rho, rho + reach / 2, rho + reach]) {
          for (let k = 0; k < RING_SAMPLES; k++) {
            const angle = (2 * Math.PI * k) / RING_SAMPLES;
            const v = evaluate(model, x + radius * Math.cos(angle), y + radius * Math.sin(angle), level - 1, e);
            if (radius < rho + reach) low = Math.min(low, v);
            high = Math.max(high, v);
          }
        }
        const floor = (1 - depth) * low;
        cellBasin[iy * cells + ix] = basins.length;
        basins.push({ x, y, r: rho, reach, floor, rise: high - floor });
      }
    }
    model.levels.push({ level, spacing, cells, cellBasin, basins, firstId });
    firstId += basins.length;
  }
  return model;
}

/** True when the disc of radius `support` around (x, y) touches no floor of the model so far. */
function clearOfFloors(model: LandscapeModel, x: number, y: number, support: number): boolean {
  for (const floor of model.floors) {
    if (Math.hypot(x - floor.x, y - floor.y) - floor.r <= support) return false;
  }
  for (const level of model.levels) {
    const n = level.cells;
    const cx = Math.floor((x + model.domain) / level.spacing);
    const cy = Math.floor((y + model.domain) / level.spacing);
    // a coarser level's basin near (x, y) sits in one of the 3x3 cells around it
    for (let iy = Math.max(0, cy - 1); iy <= Math.min(n - 1, cy + 1); iy++) {
      for (let ix = Math.max(0, cx - 1); ix <= Math.min(n - 1, cx + 1); ix++) {
        const b = level.cellBasin[iy * n + ix]!;
        if (b < 0) continue;
        const basin = level.basins[b]!;
        if (Math.hypot(x - basin.x, y - basin.y) - basin.r <= support) return false;
      }
    }
  }
  return true;
}
