// Placement of the zero-loss floors: discs with random centres and radii, rejected until every
// pair is at least `minGap` apart (edge to edge) and each lies inside the domain.
import type { BasinModelSettings } from '../../profiles/basin-model.ts';
import type { Floor } from './landscape.ts';
import type { RandomStream } from './random.ts';

const MAX_TRIES = 100_000;

export function placeFloors(settings: BasinModelSettings, rng: RandomStream): Floor[] {
  const { count, radiusMin, radiusMax, minGap } = settings.basins;
  const D = settings.domain;
  const floors: Floor[] = [];
  for (let tries = 0; floors.length < count; tries++) {
    if (tries >= MAX_TRIES) {
      throw new Error(
        `basin model: could not place ${count} floors of radius ${radiusMin}..${radiusMax} with gap ${minGap} in [-${D}, ${D}]^2 (placed ${floors.length})`,
      );
    }
    const r = radiusMin + (radiusMax - radiusMin) * rng.uniform();
    // keep a floor's whole disc, plus half a gap, inside the domain
    const span = D - r - minGap / 2;
    const x = span * (2 * rng.uniform() - 1);
    const y = span * (2 * rng.uniform() - 1);
    const clear = floors.every((f) => Math.hypot(x - f.x, y - f.y) - r - f.r >= minGap);
    if (clear) floors.push({ x, y, r });
  }
  return floors;
}

/** The floor nearest the centre of the domain: the one the close-ups and perturbations use. */
export function focusFloor(floors: Floor[]): number {
  let best = 0;
  for (let i = 1; i < floors.length; i++) {
    if (Math.hypot(floors[i]!.x, floors[i]!.y) < Math.hypot(floors[best]!.x, floors[best]!.y)) best = i;
  }
  return best;
}
