import { describe, expect, it } from 'vitest';
import { getProfile } from '../../pipeline/profiles.ts';
import { checkStepSize } from '../../pipeline/experiments/basin-model/descent.ts';
import { placeFloors } from '../../pipeline/experiments/basin-model/floors.ts';
import { addFractalLevels, buildPlainModel, checkFractalSettings } from '../../pipeline/experiments/basin-model/fractal.ts';
import { evaluate, lossAt, newEvaluation, type LandscapeModel } from '../../pipeline/experiments/basin-model/landscape.ts';
import { randomStream, STREAMS } from '../../pipeline/experiments/basin-model/random.ts';

const settings = getProfile('smoke').basinModel;
const seed = getProfile('smoke').seed + settings.seedOffset;

function buildModel(): LandscapeModel {
  const floors = placeFloors(settings, randomStream(seed + STREAMS.floors));
  return addFractalLevels(buildPlainModel(settings, floors), settings, randomStream(seed + STREAMS.fractal));
}

const model = buildModel();
const levels = [0, 1, 2, 3].filter((l) => l <= model.levels.length);

describe('basin landscape', () => {
  it('builds the profile number of floors and all fractal levels', () => {
    expect(model.floors).toHaveLength(settings.basins.count);
    expect(model.levels).toHaveLength(settings.fractal.levels);
    for (const level of model.levels) expect(level.basins.length).toBeGreaterThan(0);
    // floors keep their gap
    for (let i = 0; i < model.floors.length; i++) {
      for (let j = i + 1; j < model.floors.length; j++) {
        const a = model.floors[i]!;
        const b = model.floors[j]!;
        expect(Math.hypot(a.x - b.x, a.y - b.y) - a.r - b.r).toBeGreaterThanOrEqual(settings.basins.minGap);
      }
    }
  });

  it('is zero exactly on the floors and positive everywhere else, at every level', () => {
    const n = 301;
    const D = settings.domain * 1.1;
    let zeros = 0;
    let wrong = 0;
    for (const level of levels) {
      for (let iy = 0; iy < n; iy++) {
        for (let ix = 0; ix < n; ix++) {
          const x = -D + (2 * D * ix) / (n - 1);
          const y = -D + (2 * D * iy) / (n - 1);
          const onFloor = model.floors.some((f) => Math.hypot(x - f.x, y - f.y) <= f.r);
          const loss = lossAt(model, x, y, level);
          if (onFloor) zeros++;
          // one expect per point would be slow; count the points that break the rule instead
          if (onFloor ? loss !== 0 : !(loss > 0)) wrong++;
        }
      }
    }
    expect(wrong).toBe(0);
    expect(zeros).toBeGreaterThan(0);
  });

  it('is continuous: no jumps on fine grids, and differences shrink with the spacing', () => {
    // along rows, the largest difference between neighbours must scale with the spacing
    const maxJump = (level: number, h: number): number => {
      let worst = 0;
      for (let y = -0.9; y <= 0.9; y += 0.0173) {
        let prev = lossAt(model, -1, y, level);
        for (let x = -1 + h; x <= 1; x += h) {
          const v = lossAt(model, x, y, level);
          worst = Math.max(worst, Math.abs(v - prev));
          prev = v;
        }
      }
      return worst;
    };
    for (const level of levels) {
      const coarse = maxJump(level, 0.004);
      const fine = maxJump(level, 0.0005);
      expect(fine).toBeLessThan(coarse * 0.3);
    }
    // and at random points a tiny move changes the loss only a tiny amount
    const rng = randomStream(7);
    for (let k = 0; k < 20000; k++) {
      const x = 2 * rng.uniform() - 1;
      const y = 2 * rng.uniform() - 1;
      const level = levels[k % levels.length]!;
      const d = Math.abs(lossAt(model, x + 1e-9, y - 1e-9, level) - lossAt(model, x, y, level));
      expect(d).toBeLessThan(1e-5);
    }
  });

  it('has an analytic gradient that matches central differences away from the seams', () => {
    const rng = randomStream(11);
    const e = newEvaluation();
    const probe = newEvaluation();
    const h = 1e-6;
    let compared = 0;
    let total = 0;
    for (let k = 0; k < 4000; k++) {
      const x = 2 * rng.uniform() - 1;
      const y = 2 * rng.uniform() - 1;
      const level = levels[k % levels.length]!;
      evaluate(model, x, y, level, e);
      total++;
      // the minimum switches pieces at seams, where the loss has a kink: compare only where the
      // same piece is active at all four probe points
      const samePiece = [
        [x + h, y],
        [x - h, y],
        [x, y + h],
        [x, y - h],
      ].every(([px, py]) => evaluate(model, px!, py!, level, probe) >= 0 && probe.piece === e.piece);
      if (!samePiece) continue;
      const fx = (lossAt(model, x + h, y, level) - lossAt(model, x - h, y, level)) / (2 * h);
      const fy = (lossAt(model, x, y + h, level) - lossAt(model, x, y - h, level)) / (2 * h);
      const scale = Math.max(1, Math.hypot(e.gx, e.gy));
      expect(Math.abs(fx - e.gx) / scale).toBeLessThan(1e-5);
      expect(Math.abs(fy - e.gy) / scale).toBeLessThan(1e-5);
      compared++;
    }
    expect(compared / total).toBeGreaterThan(0.95);
  });

  it('builds the same model from the same seed', () => {
    const again = buildModel();
    expect(again.floors).toEqual(model.floors);
    expect(again.levels.map((l) => l.basins)).toEqual(model.levels.map((l) => l.basins));
  });

  it('rejects settings that would break its guarantees', () => {
    expect(() => checkStepSize(0.2, settings.wall, 0.1)).toThrow(/step size/);
    expect(() => checkStepSize(settings.runs.stepSize, settings.wall, 0.1)).not.toThrow();
    expect(() => checkFractalSettings({ ...settings.fractal, jitter: 0.4 })).toThrow(/jitter/);
  });
});
