// E6 `interpolation`: models that lie between or around E5's solutions, evaluated in the worker
// pool. Straight lines w(a) = (1 - a) wA + a wB: between the converged copies kicked by 0.1 x S
// (within a basin), between global minima trained from different random initializations (between
// basins), and from M_final to every converged copy. Random filter-normalized directions d:
// w + t d around M_final and around the early model. Batch norm has no running statistics here: every
// model's are recomputed on the calibration images of the training set (engine/evaluate.ts).
import type { StepContext } from '../../step.ts';
import { FIGURE_5_K } from '../flat-minima/experiment.ts';
import { FLAT_MINIMA_STEP, minimaCount, readFlatMinima, type FlatMinima, type SavedModel } from '../flat-minima/artifact.ts';
import type { ModelEvaluation, ModelToEvaluate } from '../kit/evaluate-job.ts';
import { runEvaluations } from '../kit/evaluations.ts';
import { alongDirection, lineBetween } from '../kit/models.ts';
import { lastEpoch } from '../kit/snapshots.ts';
import { grid, writeInterpolation, type DirectionCentre, type DirectionProfile, type InterpolationParams, type LineProfile, type Measured } from './artifact.ts';

const STREAM = 'interpolation';

interface LinePlan {
  id: string;
  kind: LineProfile['kind'];
  k?: number;
  from: { label: string; model: SavedModel };
  to: { label: string; model: SavedModel };
}

/** Every line E6 draws, with its end points. */
export function linePlans(e5: FlatMinima): LinePlan[] {
  const copy = (k: number, c: number) => ({ label: `copy ${c}`, model: { trajectory: e5.copies(k)[c - 1]!, epoch: lastEpoch(e5.copies(k)[c - 1]!) } });
  const minimum = (m: number) => ({ label: m === 1 ? 'M_final' : `minimum ${m}`, model: e5.minimum(m) });
  const pairs = (n: number) => Array.from({ length: n }, (_, i) => Array.from({ length: n - i - 1 }, (_, j) => [i + 1, i + j + 2] as const)).flat();
  const { copies, ks } = e5.settings.flat;
  return [
    ...pairs(copies).map(([i, j]): LinePlan => ({ id: `within-${FIGURE_5_K}-${i}-${j}`, kind: 'within', k: FIGURE_5_K, from: copy(FIGURE_5_K, i), to: copy(FIGURE_5_K, j) })),
    ...pairs(minimaCount(e5.settings.flat)).map(([i, j]): LinePlan => ({ id: `between-${i}-${j}`, kind: 'between', from: minimum(i), to: minimum(j) })),
    ...ks.flatMap((k) => Array.from({ length: copies }, (_, c): LinePlan => ({ id: `from-final-${k}-${c + 1}`, kind: 'from-final', k, from: minimum(1), to: copy(k, c + 1) }))),
  ];
}

const measured = (evaluations: ModelEvaluation[]): Measured => ({
  trainError: evaluations.map((e) => e.trainError),
  trainLoss: evaluations.map((e) => e.trainLoss),
  testError: evaluations.map((e) => e.testError),
  testLoss: evaluations.map((e) => e.testLoss),
});

export async function run(ctx: StepContext<InterpolationParams>): Promise<void> {
  const { seed, net, interpolation: s } = ctx.params;
  const e5 = await readFlatMinima(ctx.inputs[FLAT_MINIMA_STEP]!);
  const a = grid(s.line.from, s.line.to, s.line.points);
  if (!a.includes(0) || !a.includes(1)) throw new Error(`the line's grid (${s.line.points} points from ${s.line.from} to ${s.line.to}) must contain a = 0 and a = 1`);
  const t = grid(-s.directions.span, s.directions.span, s.directions.points);
  const zero = t.indexOf(0);
  if (zero < 1) throw new Error(`the directions' grid (${s.directions.points} points on [-${s.directions.span}, ${s.directions.span}]) must contain t = 0 inside it: take an odd number of points`);

  const lines = linePlans(e5);
  const centres: Array<{ centre: DirectionCentre; model: SavedModel }> = [
    { centre: 'final', model: e5.minimum(1) },
    { centre: 'early', model: e5.early() },
  ];
  const directions = centres.flatMap(({ centre, model }) => Array.from({ length: s.directions.count }, (_, d) => ({ centre, model, direction: d + 1 })));
  const models: ModelToEvaluate[] = [
    ...lines.flatMap((line) => a.map((alpha, i) => ({ name: `${line.id}/${i}`, mix: lineBetween(e5.source(line.from.model), e5.source(line.to.model), alpha) }))),
    ...directions.flatMap(({ centre, model, direction }) =>
      t.map((step, i) => ({ name: `${centre}-${direction}/${i}`, mix: alongDirection(e5.source(model), { seed, stream: [STREAM, 'direction', direction] }, step) })),
    ),
  ];
  ctx.log(`${lines.length} lines of ${a.length} points and ${directions.length} directions of ${t.length} points: ${models.length} models`);
  const results = await runEvaluations(ctx, net, models, 'models on lines and directions');
  const along = (prefix: string, n: number) => measured(Array.from({ length: n }, (_, i) => results.get(`${prefix}/${i}`)!));

  const lineProfiles: LineProfile[] = lines.map((line) => ({
    id: line.id,
    kind: line.kind,
    ...(line.k !== undefined ? { k: line.k } : {}),
    from: line.from.label,
    to: line.to.label,
    a,
    ...along(line.id, a.length),
  }));
  const h = t[zero + 1]! - t[zero]!;
  const directionProfiles: DirectionProfile[] = directions.map(({ centre, direction }) => {
    const m = along(`${centre}-${direction}`, t.length);
    const L = m.trainLoss;
    return { centre, direction, t, ...m, curvature: (L[zero + 1]! - 2 * L[zero]! + L[zero - 1]!) / (h * h) };
  });
  await writeInterpolation(ctx.outDir, { settings: ctx.params, earlyEpoch: e5.settings.flat.earlyEpoch, lines: lineProfiles, directions: directionProfiles });
}
