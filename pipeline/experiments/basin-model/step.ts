// E1: build the basin landscape and its basin-fractal variant, sample them for the figures, and
// run the protocols on them. Pure math on the CPU; every random draw comes from seeded streams.
import { writeFloat32, writeJson } from '../../artifacts.ts';
import type { StepContext } from '../../step.ts';
import { FILES, type BasinModelParams, type GridEntry, type ModelSummary, type ProfilesFile } from './artifact.ts';
import { checkStepSize } from './descent.ts';
import { focusFloor, placeFloors } from './floors.ts';
import { addFractalLevels, buildPlainModel } from './fractal.ts';
import { randomStream, STREAMS } from './random.ts';
import { sampleGrid, sampleProfile, type GridSpec } from './sampling.ts';
import { branchedRun, interpolate, parallelRuns, perturbAndRetrain } from './simulate.ts';

export async function run(ctx: StepContext<BasinModelParams>): Promise<void> {
  const s = ctx.params;
  const seed = s.seed + s.seedOffset;
  const timed = <T>(label: string, work: () => T): T => {
    const t0 = performance.now();
    const result = work();
    ctx.log(`${label}: ${(performance.now() - t0).toFixed(0)} ms`);
    return result;
  };
  const total = 6;

  const floors = placeFloors(s, randomStream(seed + STREAMS.floors));
  checkStepSize(s.runs.stepSize, s.wall, Math.min(...floors.map((f) => f.r)));
  const plain = buildPlainModel(s, floors);
  const fractal = timed('fractal levels', () => addFractalLevels(plain, s, randomStream(seed + STREAMS.fractal)));
  const focus = focusFloor(floors);
  const top = fractal.levels.length;
  ctx.progress(1, total, 'landscape');

  const model: ModelSummary = {
    domain: s.domain,
    wall: s.wall,
    steepness: s.fractal.steepness,
    floors,
    focus,
    levels: fractal.levels.map((l) => ({
      level: l.level,
      spacing: l.spacing,
      floorRadius: s.fractal.floorRadius * l.spacing,
      reach: s.fractal.reach * l.spacing,
      depth: s.fractal.depth * Math.pow(s.fractal.depthDecay, l.level - 1),
      count: l.basins.length,
      file: `fractal/level-${l.level}.f32`,
    })),
  };
  await writeJson(ctx.outDir, FILES.params, s);
  await writeJson(ctx.outDir, FILES.model, model);
  for (const l of fractal.levels) {
    // x, y, floor radius, reach, floor loss, rise per small basin
    const packed = new Float32Array(l.basins.flatMap((b) => [b.x, b.y, b.r, b.reach, b.floor, b.rise]));
    await writeFloat32(ctx.outDir, `fractal/level-${l.level}.f32`, packed);
  }

  // heatmaps: the whole domain (plain and full fractal), and per level a close-up of the focus
  // floor and a detail of its wall
  const f = floors[focus]!;
  const z = s.grid.zoomHalfWidth;
  const full: GridSpec = { x0: -s.domain, y0: -s.domain, cell: (2 * s.domain) / s.grid.cells, n: s.grid.cells };
  const zoom: GridSpec = { x0: f.x - z, y0: f.y - z, cell: (2 * z) / s.grid.zoomCells, n: s.grid.zoomCells };
  // the detail window starts at the floor's right edge, so it shows the edge and the wall beyond
  const dz = s.grid.detailHalfWidth;
  const detail: GridSpec = { x0: f.x + f.r - dz / 2, y0: f.y - dz, cell: (2 * dz) / s.grid.zoomCells, n: s.grid.zoomCells };
  const wanted: { window: GridEntry['window']; level: number; spec: GridSpec }[] = [
    { window: 'full', level: 0, spec: full },
    { window: 'full', level: top, spec: full },
    ...Array.from({ length: top + 1 }, (_, level) => ({ window: 'zoom' as const, level, spec: zoom })),
    ...Array.from({ length: top + 1 }, (_, level) => ({ window: 'detail' as const, level, spec: detail })),
  ];
  const grids: GridEntry[] = [];
  for (const g of wanted) {
    const name = `${g.window}-L${g.level}`;
    if (!grids.some((e) => e.name === name)) grids.push({ name, file: `grids/${name}.f32`, window: g.window, level: g.level, ...g.spec });
  }
  const sampled = timed('grids', () => grids.map((g) => sampleGrid(fractal, g.level, g)));
  for (const [i, g] of grids.entries()) await writeFloat32(ctx.outDir, g.file, sampled[i]!);
  await writeJson(ctx.outDir, FILES.grids, grids);

  const n = s.grid.profilePoints;
  const profiles: ProfilesFile = {
    y: f.y,
    x: Array.from({ length: n }, (_, k) => f.x - z + (2 * z * k) / (n - 1)),
    loss: Object.fromEntries(Array.from({ length: top + 1 }, (_, level) => [String(level), sampleProfile(fractal, level, f.y, f.x - z, f.x + z, n)])),
  };
  await writeJson(ctx.outDir, FILES.profiles, profiles);
  ctx.progress(2, total, 'grids and profiles');

  // the plain and fractal runs share starts and noise (same stream seed), so they differ only by the walls
  const runs = timed('parallel runs', () => ({
    maxLevel: top,
    fractal: parallelRuns(fractal, top, s, randomStream(seed + STREAMS.runs)),
    plain: parallelRuns(plain, 0, s, randomStream(seed + STREAMS.runs)),
  }));
  await writeJson(ctx.outDir, FILES.runs, runs);
  ctx.progress(3, total, 'parallel runs');

  const branches = timed('branched run', () => ({ maxLevel: top, run: branchedRun(fractal, top, s, randomStream(seed + STREAMS.branches)) }));
  await writeJson(ctx.outDir, FILES.branches, branches);
  ctx.progress(4, total, 'branched run');

  const perturb = timed('perturb and retrain', () => perturbAndRetrain(plain, focus, s, randomStream(seed + STREAMS.perturb)));
  await writeJson(ctx.outDir, FILES.perturb, perturb);
  ctx.progress(5, total, 'perturb and retrain');

  const lines = interpolate(plain, perturb, s);
  await writeJson(ctx.outDir, FILES.interpolation, lines);
  ctx.progress(6, total, 'interpolation');
}
