// Shared views of the basin model (E1) for Figures 1, 6, 7 and 8: the artifact loader, heatmap
// tables and layers, profile tables, and the wording of places and settings in captions.
import type { ArtifactRef } from '../pipeline/step.ts';
import { readBasinArtifact, readGrid, type BasinArtifact, type GridEntry } from '../pipeline/experiments/basin-model/artifact.ts';
import type { Place } from '../pipeline/experiments/basin-model/landscape.ts';
import type { Trajectory } from '../pipeline/experiments/basin-model/descent.ts';
import type { FigureContext, Row } from './types.ts';

export const BASIN_STEP = 'experiment:basin-model';

export interface LoadedBasin {
  ref: ArtifactRef;
  artifact: BasinArtifact;
  grid(name: string): Promise<{ entry: GridEntry; values: Float32Array }>;
}

export async function loadBasin(ctx: FigureContext<unknown>): Promise<LoadedBasin> {
  const ref = ctx.inputs[BASIN_STEP];
  if (!ref) throw new Error(`this figure needs the artifact of '${BASIN_STEP}'`);
  const artifact = await readBasinArtifact(ref);
  return { ref, artifact, grid: (name) => readGrid(ref, artifact, name) };
}

/** Numbers in tables: enough digits to draw, few enough to keep the pages light. */
export function round(v: number, digits = 4): number {
  return Number(v.toPrecision(digits));
}

export function coord(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

/** A heatmap as rows of cell centres; `stride` keeps every stride-th cell in each direction. */
export function gridRows(values: Float32Array, entry: GridEntry, stride = 1): Row[] {
  const rows: Row[] = [];
  for (let iy = 0; iy < entry.n; iy += stride) {
    for (let ix = 0; ix < entry.n; ix += stride) {
      rows.push({
        x: coord(entry.x0 + (ix + stride / 2) * entry.cell),
        y: coord(entry.y0 + (iy + stride / 2) * entry.cell),
        loss: round(values[iy * entry.n + ix]!),
      });
    }
  }
  return rows;
}

export function gridMax(values: Float32Array): number {
  let m = 0;
  for (const v of values) m = Math.max(m, v);
  return m;
}

/** Extent of a grid's window, for the x and y scales of every layer drawn over it. */
export function windowOf(entry: GridEntry): { x: [number, number]; y: [number, number] } {
  const side = entry.n * entry.cell;
  return { x: [coord(entry.x0), coord(entry.x0 + side)], y: [coord(entry.y0), coord(entry.y0 + side)] };
}

export const AXIS_X = 'weight 1';
export const AXIS_Y = 'weight 2';

/** Position encodings fixed to a window (no padding, no zero), for overlays. */
export function positionX(field: string, domain: [number, number], title: string | null = AXIS_X) {
  return { field, type: 'quantitative' as const, scale: { domain, nice: false, zero: false }, title, axis: { tickCount: 5, grid: false } };
}
export function positionY(field: string, domain: [number, number], title: string | null = AXIS_Y) {
  return { field, type: 'quantitative' as const, scale: { domain, nice: false, zero: false }, title, axis: { tickCount: 5, grid: false } };
}

/**
 * The heatmap layer: one rect per cell, coloured by loss on a symmetric-log scale (linear below
 * 0.1, logarithmic above) so that the zero floors, the shallow small basins and the high walls all read. `maxLoss` fixes the colour domain so panels compare; a
 * figure resolves `color` as shared so all its maps use one scale and one legend.
 */
export function heatmapLayer(table: string, entry: GridEntry, maxLoss: number, options: { stride?: number } = {}) {
  const half = ((options.stride ?? 1) * entry.cell) / 2;
  // a quarter-cell of overlap hides the seams antialiasing would draw between neighbouring cells
  const pad = half + 0.25 * (options.stride ?? 1) * entry.cell;
  const w = windowOf(entry);
  return {
    data: { name: table },
    transform: [
      { calculate: `datum.x - ${pad}`, as: 'x0' },
      { calculate: `datum.x + ${pad}`, as: 'x1' },
      { calculate: `datum.y - ${pad}`, as: 'y0' },
      { calculate: `datum.y + ${pad}`, as: 'y1' },
    ],
    // no per-cell aria labels: they would make up most of the SVG's bytes
    mark: { type: 'rect' as const, clip: true, aria: false },
    encoding: {
      x: positionX('x0', w.x),
      x2: { field: 'x1' },
      y: positionY('y0', w.y),
      y2: { field: 'y1' },
      color: {
        field: 'loss',
        type: 'quantitative' as const,
        scale: { type: 'symlog' as const, constant: 0.1, domain: [0, round(maxLoss, 3)], scheme: 'viridis', clamp: true },
        // figures share one colour scale across their maps, so every map declares the same legend
        legend: { title: 'loss', orient: 'right' as const, gradientLength: 140 },
      },
    },
  };
}

/** A panel title: the letter, then what it shows. */
export function panelTitle(letter: string, text: string) {
  return { text: `${letter}   ${text}`, anchor: 'start' as const, fontSize: 12 };
}

/** Trajectory points as rows, for path layers ordered by step. */
export function trajectoryRows(t: Trajectory, extra: Row): Row[] {
  return t.step.map((step, i) => ({ ...extra, step, x: coord(t.x[i]!), y: coord(t.y[i]!), loss: round(t.loss[i]!) }));
}

export function placeLabel(place: Place): string {
  if (place.kind === 'floor') return `floor of basin ${place.basin + 1}`;
  if (place.kind === 'wall-basin') return `small basin (level ${place.level})`;
  return 'still on a wall';
}

/** "12 on floors, 3 in small basins of level 1, ..." */
export function tallyPlaces(places: Place[]): string {
  const floors = places.filter((p) => p.kind === 'floor').length;
  const walls = places.filter((p) => p.kind === 'wall').length;
  const byLevel = new Map<number, number>();
  for (const p of places) if (p.kind === 'wall-basin') byLevel.set(p.level, (byLevel.get(p.level) ?? 0) + 1);
  const parts = [`${floors} on a zero-loss floor`];
  for (const [level, n] of [...byLevel].sort((a, b) => a[0] - b[0])) parts.push(`${n} held in a small basin of level ${level}`);
  if (walls) parts.push(`${walls} still moving on a wall`);
  return parts.join(', ');
}

/** One sentence on how the landscape was built, for every basin caption. */
export function describeLandscape(a: BasinArtifact): string {
  const p = a.params;
  const levels = a.model.levels.map((l) => `${l.count} at level ${l.level}`).join(', ');
  return (
    `The model lives on the square [-${p.domain}, ${p.domain}]² and has ${a.model.floors.length} zero-loss floors (discs of radius ` +
    `${p.basins.radiusMin}-${p.basins.radiusMax}, at least ${p.basins.minGap} apart); away from them the loss is ` +
    `${p.wall.height}·(t + t²) with t the distance to the nearest floor divided by ${p.wall.width}` +
    (a.model.levels.length ? `. Its basin-fractal variant cuts small flat-bottomed basins into the walls: ${levels}.` : '.')
  );
}

/** The settings line every basin caption ends with. */
export function provenance(a: BasinArtifact, profileName: string): string {
  return `Profile \`${profileName}\`, seed ${a.params.seed} + ${a.params.seedOffset}; pure arithmetic on the CPU, no dataset involved.`;
}
