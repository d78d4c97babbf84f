// The basin landscape and its gradient.
//
// Level 0 (the plain model): zero-loss floors are discs; away from them the loss is a rising
// function of the distance D to the nearest floor,
//     L0(x) = h * (t + t^2),  t = D(x) / w,   D(x) = min_i max(0, |x - c_i| - r_i).
// Levels 1..3 (the basin-fractal): smaller flat-bottomed basins cut into the walls. A small basin
// j has a flat floor at height f_j > 0 and a wall that rises without bound before its reach ends,
//     B_j(x) = f_j + rise_j * k * g(s),  s = max(0, |x - p_j| - rho_j) / W_j,  g(s) = s^2 / (1 - s^2),
// and the landscape up to level L is the pointwise minimum of L0 and every B_j of levels <= L.
// A minimum of continuous functions is continuous, and since every f_j > 0 the zero set stays
// exactly the union of the big floors.

export interface Floor {
  x: number;
  y: number;
  r: number;
}

export interface WallBasin {
  x: number;
  y: number;
  /** floor radius */
  r: number;
  /** width of the wall beyond the floor, where the basin's own term reaches infinity */
  reach: number;
  /** loss on the floor (> 0) */
  floor: number;
  /** highest loss of the landscape over its footprint, minus `floor`: the height its wall climbs */
  rise: number;
}

/** The small basins of one fractal level, on a jittered grid (at most one per cell). */
export interface FractalLevel {
  level: number;
  spacing: number;
  /** cells per side; the grid starts at -domain */
  cells: number;
  /** basin index per cell (row-major, y outer), -1 where the cell has none */
  cellBasin: Int32Array;
  basins: WallBasin[];
  /** id of this level's first basin among all small basins, for naming pieces */
  firstId: number;
}

export interface LandscapeModel {
  domain: number;
  wall: { height: number; width: number };
  floors: Floor[];
  steepness: number;
  levels: FractalLevel[];
}

/** One evaluation: the loss, its gradient, and which piece of the minimum is active. */
export interface Evaluation {
  loss: number;
  gx: number;
  gy: number;
  /**
   * 2 * id + (0 on a floor, 1 on a wall); ids 0..K-1 are the big basins, K + n the n-th small
   * basin. The gradient is that piece's gradient (a valid one-sided choice at the seams).
   */
  piece: number;
}

export function newEvaluation(): Evaluation {
  return { loss: 0, gx: 0, gy: 0, piece: -1 };
}

/** The distance term's profile: g(s) = s^2 / (1 - s^2) on [0, 1), infinite at 1. */
function smallWall(s: number): number {
  return (s * s) / (1 - s * s);
}

function smallWallSlope(s: number): number {
  const q = 1 - s * s;
  return (2 * s) / (q * q);
}

/** Evaluates the landscape with fractal levels 1..maxLevel (0: the plain basins). */
export function evaluate(model: LandscapeModel, x: number, y: number, maxLevel: number, out: Evaluation): number {
  const { floors, wall } = model;
  let nearest = -1;
  let distance = Infinity;
  let ux = 0;
  let uy = 0;
  for (let i = 0; i < floors.length; i++) {
    const f = floors[i]!;
    const dx = x - f.x;
    const dy = y - f.y;
    const r = Math.sqrt(dx * dx + dy * dy);
    const d = r - f.r;
    if (d < distance) {
      distance = d;
      nearest = i;
      ux = r > 0 ? dx / r : 0;
      uy = r > 0 ? dy / r : 0;
    }
  }
  if (distance <= 0) {
    // on a zero-loss floor; every small basin lies strictly above zero, so nothing undercuts it
    out.loss = 0;
    out.gx = 0;
    out.gy = 0;
    out.piece = 2 * nearest;
    return 0;
  }
  const t = distance / wall.width;
  let loss = wall.height * (t + t * t);
  const slope = (wall.height / wall.width) * (1 + 2 * t);
  let gx = slope * ux;
  let gy = slope * uy;
  let piece = 2 * nearest + 1;

  const K = floors.length;
  const top = Math.min(maxLevel, model.levels.length);
  for (let l = 0; l < top; l++) {
    const level = model.levels[l]!;
    const n = level.cells;
    const cx = Math.floor((x + model.domain) / level.spacing);
    const cy = Math.floor((y + model.domain) / level.spacing);
    // siblings' supports never leave their 3x3 neighbourhood (checked when the level is built)
    for (let iy = Math.max(0, cy - 1); iy <= Math.min(n - 1, cy + 1); iy++) {
      for (let ix = Math.max(0, cx - 1); ix <= Math.min(n - 1, cx + 1); ix++) {
        const b = level.cellBasin[iy * n + ix]!;
        if (b < 0) continue;
        const basin = level.basins[b]!;
        const dx = x - basin.x;
        const dy = y - basin.y;
        const r = Math.sqrt(dx * dx + dy * dy);
        const d = r - basin.r;
        if (d >= basin.reach) continue;
        if (d <= 0) {
          if (basin.floor < loss) {
            loss = basin.floor;
            gx = 0;
            gy = 0;
            piece = 2 * (K + level.firstId + b);
          }
          continue;
        }
        const s = d / basin.reach;
        const value = basin.floor + basin.rise * model.steepness * smallWall(s);
        if (value < loss) {
          const k = (basin.rise * model.steepness * smallWallSlope(s)) / basin.reach / r;
          loss = value;
          gx = k * dx;
          gy = k * dy;
          piece = 2 * (K + level.firstId + b) + 1;
        }
      }
    }
  }
  out.loss = loss;
  out.gx = gx;
  out.gy = gy;
  out.piece = piece;
  return loss;
}

/** The loss alone (allocates nothing after the first call). */
const scratch = newEvaluation();
export function lossAt(model: LandscapeModel, x: number, y: number, maxLevel: number): number {
  return evaluate(model, x, y, maxLevel, scratch);
}

/** Index of the big floor containing (x, y), or -1. */
export function floorAt(model: LandscapeModel, x: number, y: number): number {
  for (let i = 0; i < model.floors.length; i++) {
    const f = model.floors[i]!;
    if (Math.hypot(x - f.x, y - f.y) <= f.r) return i;
  }
  return -1;
}

/** Distance from (x, y) to the edge of floor i (0 inside it). */
export function distanceToFloor(floor: Floor, x: number, y: number): number {
  return Math.max(0, Math.hypot(x - floor.x, y - floor.y) - floor.r);
}

/** What a point sits on: a big floor, the floor of a small wall basin, or a wall. */
export type Place = { kind: 'floor'; basin: number } | { kind: 'wall-basin'; level: number } | { kind: 'wall' };

export function placeOf(model: LandscapeModel, x: number, y: number, maxLevel: number): Place {
  const e = newEvaluation();
  evaluate(model, x, y, maxLevel, e);
  const K = model.floors.length;
  const id = e.piece >> 1;
  const onFloor = (e.piece & 1) === 0;
  if (!onFloor) return { kind: 'wall' };
  if (id < K) return { kind: 'floor', basin: id };
  const small = id - K;
  const level = model.levels.find((l) => small >= l.firstId && small < l.firstId + l.basins.length);
  return { kind: 'wall-basin', level: level ? level.level : 0 };
}
