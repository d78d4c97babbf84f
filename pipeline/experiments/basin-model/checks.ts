// The properties the basin model shows by how it is built: the figures report them with the
// run's numbers (as properties of the model, never as passed checks of the paper's claims) and
// the tests assert them; both call these functions on the artifact's contents.
import type { FigureProperty } from '../../../figures/types.ts';
import type { InterpolationLine, PerturbResult } from './simulate.ts';

/** Share of large-perturbation runs that must end on another floor to count as measurable. */
export const MIN_LEAVE_SHARE = 0.1;

export function perturbationChecks(p: PerturbResult): FigureProperty[] {
  const inside = p.runs.filter((r) => r.norm < p.margin);
  const stayed = inside.filter((r) => r.endBasin === p.startBasin);
  const large = p.runs.filter((r) => r.size === 'large');
  const left = large.filter((r) => r.endBasin >= 0 && r.endBasin !== p.startBasin);
  const share = large.length ? left.length / large.length : 0;
  return [
    {
      name: 'Perturbations smaller than the margin return to the same basin',
      holds: inside.length > 0 && stayed.length === inside.length,
      detail: `${stayed.length} of ${inside.length} runs perturbed by less than the margin ${fmt(p.margin)} ended on the start floor (basin ${p.startBasin + 1})`,
    },
    {
      name: 'Large perturbations reach other basins',
      holds: share >= MIN_LEAVE_SHARE,
      detail: `${left.length} of ${large.length} runs after a perturbation of std ${fmt(p.std.large)} ended on another floor (${(100 * share).toFixed(1)}%, needed at least ${100 * MIN_LEAVE_SHARE}%)`,
    },
  ];
}

export function interpolationChecks(lines: InterpolationLine[]): FigureProperty[] {
  const inner = (line: InterpolationLine): number[] =>
    line.a.flatMap((a, k) => (a >= -1e-12 && a <= 1 + 1e-12 ? [line.loss[k]!] : []));
  const endLoss = (line: InterpolationLine): [number, number] => {
    const i0 = line.a.findIndex((a) => Math.abs(a) < 1e-12);
    const i1 = line.a.findIndex((a) => Math.abs(a - 1) < 1e-12);
    if (i0 < 0 || i1 < 0) throw new Error('interpolation line has no sample at a = 0 or a = 1');
    return [line.loss[i0]!, line.loss[i1]!];
  };
  const within = lines.filter((l) => l.kind === 'within');
  const between = lines.filter((l) => l.kind === 'between');
  let worstExcess = -Infinity;
  const withinOk = within.every((line) => {
    const [l0, l1] = endLoss(line);
    const mean = (l0 + l1) / 2;
    const excess = Math.max(...inner(line)) - mean;
    worstExcess = Math.max(worstExcess, excess);
    return excess <= 1e-12 * (1 + mean);
  });
  let lowestBarrier = Infinity;
  const betweenOk = between.every((line) => {
    const [l0, l1] = endLoss(line);
    const barrier = Math.max(...inner(line)) - Math.max(l0, l1);
    lowestBarrier = Math.min(lowestBarrier, barrier);
    return barrier > 0;
  });
  return [
    {
      name: 'Within a basin the loss stays at or below the mean of the end points',
      holds: within.length > 0 && withinOk,
      detail: within.length
        ? `${within.length} lines; largest excess of the loss over the end points' mean on 0 <= a <= 1: ${fmt(worstExcess)}`
        : 'no pair of end points on the same floor',
    },
    {
      name: 'Between basins the loss rises above both end points',
      holds: between.length > 0 && betweenOk,
      detail: between.length
        ? `${between.length} lines; the lowest barrier above the higher end point is ${fmt(lowestBarrier)}`
        : 'no pair of end points on different floors',
    },
  ];
}

function fmt(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(3)).toString() : String(v);
}

/**
 * On sampled windows of every level: a cell is at zero loss exactly when its centre lies on one
 * of the big floors, at every fractal level. The small basins change the walls, never the floors.
 */
export function zeroSetCheck(
  floors: { x: number; y: number; r: number }[],
  grids: { level: number; x0: number; y0: number; cell: number; n: number; values: Float32Array }[],
): FigureProperty {
  let cells = 0;
  let mismatches = 0;
  let lowestWall = Infinity;
  for (const g of grids) {
    for (let iy = 0; iy < g.n; iy++) {
      for (let ix = 0; ix < g.n; ix++) {
        const x = g.x0 + (ix + 0.5) * g.cell;
        const y = g.y0 + (iy + 0.5) * g.cell;
        const onFloor = floors.some((f) => Math.hypot(x - f.x, y - f.y) <= f.r);
        const v = g.values[iy * g.n + ix]!;
        cells++;
        if (onFloor !== (v === 0)) mismatches++;
        if (!onFloor) lowestWall = Math.min(lowestWall, v);
      }
    }
  }
  const levels = [...new Set(grids.map((g) => g.level))].sort((a, b) => a - b).join(', ');
  return {
    name: 'Zero loss exactly on the big floors, at every level',
    holds: cells > 0 && mismatches === 0,
    detail: `${cells} sampled cells over levels ${levels}: ${mismatches} disagree; the lowest loss off the floors is ${fmt(lowestWall)}`,
  };
}
