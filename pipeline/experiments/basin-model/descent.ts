// Gradient descent on the landscape, with optional noise whose size follows the loss.
//
// The noise std per step is  noise * sqrt(loss):  in an overparametrized model every training
// example is fitted on the zero-loss set, so the per-example gradients, and with them SGD's
// noise, vanish there. A run that lands on a floor therefore stays where it landed.
import { evaluate, newEvaluation, type LandscapeModel } from './landscape.ts';
import type { RandomStream } from './random.ts';

export interface DescentOptions {
  steps: number;
  stepSize: number;
  /** 0 for plain gradient descent */
  noise: number;
  /**
   * Longest move the gradient part of one step may make (gradient clipping). The walls of the
   * small basins are far steeper than the big ones, and an uncapped step there would throw a run
   * across the map; the cap shortens such steps without turning them.
   */
  maxMove: number;
  /** keep every n-th position (the start and the end are always kept) */
  recordEvery: number;
  /** fractal levels of the landscape the run sees (0: the plain basins) */
  maxLevel: number;
}

export interface Trajectory {
  /** the recorded steps, and the position and loss at each */
  step: number[];
  x: number[];
  y: number[];
  loss: number[];
  /** first step at which the loss was exactly zero, or null if it never was */
  settledAt: number | null;
  end: { x: number; y: number; loss: number };
}

export function descend(
  model: LandscapeModel,
  start: { x: number; y: number },
  options: DescentOptions,
  rng: RandomStream | null,
): Trajectory {
  if (options.noise > 0 && !rng) throw new Error('descend: a noisy run needs a random stream');
  const e = newEvaluation();
  const out: Trajectory = { step: [], x: [], y: [], loss: [], settledAt: null, end: { x: 0, y: 0, loss: 0 } };
  let x = start.x;
  let y = start.y;
  let loss = evaluate(model, x, y, options.maxLevel, e);
  const record = (step: number): void => {
    out.step.push(step);
    out.x.push(x);
    out.y.push(y);
    out.loss.push(loss);
  };
  record(0);
  for (let step = 1; step <= options.steps; step++) {
    if (loss === 0) {
      // on a floor the gradient and the noise are both zero: nothing moves any more
      if (out.settledAt === null) out.settledAt = step - 1;
      if (step % options.recordEvery === 0 || step === options.steps) record(step);
      continue;
    }
    const move = options.stepSize * Math.hypot(e.gx, e.gy);
    const shrink = move > options.maxMove ? options.maxMove / move : 1;
    let nx = x - shrink * options.stepSize * e.gx;
    let ny = y - shrink * options.stepSize * e.gy;
    if (options.noise > 0) {
      const scale = options.noise * Math.sqrt(loss);
      nx += scale * rng!.gaussian();
      ny += scale * rng!.gaussian();
    }
    x = nx;
    y = ny;
    loss = evaluate(model, x, y, options.maxLevel, e);
    if (step % options.recordEvery === 0 || step === options.steps) record(step);
  }
  if (loss === 0 && out.settledAt === null) out.settledAt = options.steps;
  out.end = { x, y, loss };
  return out;
}

/**
 * The step-size bound under which plain gradient descent on the plain basins is guaranteed to
 * stay in the catchment it starts in: each step moves straight towards the nearest floor's centre
 * and can overshoot its edge by at most  stepSize * height / width, which must stay below the
 * smallest floor radius; and  2 * stepSize * height / width^2 <= 1  keeps the overshoot from
 * growing with the distance. Capping a step's length (maxMove) only shortens it along the same
 * line, so the guarantee holds with the cap too.
 */
export function checkStepSize(stepSize: number, wall: { height: number; width: number }, minRadius: number): void {
  const overshoot = (stepSize * wall.height) / wall.width;
  if (!(overshoot < minRadius && (2 * stepSize * wall.height) / (wall.width * wall.width) <= 1)) {
    throw new Error(
      `basin model: step size ${stepSize} is too large for walls of height ${wall.height} and width ${wall.width} (overshoot ${overshoot} must stay below the smallest floor radius ${minRadius}, and 2*step*height/width^2 <= 1)`,
    );
  }
}
