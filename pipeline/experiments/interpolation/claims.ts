// The paper's claims about straight lines between solutions (Figures 1E, 41, 42), small and large
// kicks (Figures 1D, 36-38) and the flatness around the global minimum (Figure 43), checked on
// E6's artifact. A barrier is how far the training error on the segment between two models
// (0 <= a <= 1) rises above its ends; errors are shares, thresholds in points.
import type { ClaimDecl, ClaimInputs } from '../../claims/claim.ts';
import { notApplicable, readOnce } from '../../claims/claim.ts';
import { FLAT_MINIMA_STEP, minimaCount, readFlatMinima } from '../flat-minima/artifact.ts';
import { FIGURE_5_K } from '../flat-minima/experiment.ts';
import { regimeOf, ZERO_TRAINING_ERROR, type Regime } from '../kit/regime.ts';
import { lastEpoch } from '../kit/snapshots.ts';
import { barrier, FLAT_RADIUS, INTERPOLATION_STEP, readInterpolation, staysFlat, type DirectionProfile, type InterpolationArtifact, type LineProfile } from './artifact.ts';

const LARGE_K = 1.0;
const pts = (v: number) => `${(100 * v).toFixed(2)} points`;
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

const e6 = readOnce(INTERPOLATION_STEP, readInterpolation);

const linesOf = (a: InterpolationArtifact, kind: LineProfile['kind'], k?: number) => a.lines.filter((l) => l.kind === kind && (k === undefined || l.k === k));

export async function regime(ctx: ClaimInputs): Promise<Regime> {
  const e5 = await readFlatMinima(ctx.inputs[FLAT_MINIMA_STEP]!);
  const minima = Array.from({ length: minimaCount(e5.settings.flat) }, (_, i) => e5.minimum(i + 1).epoch.trainError);
  const copies = e5.copies(FIGURE_5_K).map((t) => lastEpoch(t).trainError);
  return regimeOf([...minima, ...copies], `the ${minima.length} global minima and the ${copies.length} copies kicked by ${FIGURE_5_K} x S`);
}

export const claims: ClaimDecl[] = [
  {
    id: 'interp-within-basin',
    statement: 'Averaging two models of one basin gives an error at or below the average of theirs.',
    figures: ['fig-01', 'fig-41'],
    threshold: `along the line between every two converged copies kicked by ${FIGURE_5_K} x S (a in [0, 1]), the highest training error is <= the mean of the two ends + 0.5 point`,
    needsRegime: true,
    async evaluate(ctx) {
      const lines = linesOf(await e6(ctx), 'within', FIGURE_5_K);
      if (lines.length === 0) return notApplicable('the run has no line between two copies');
      const worst = lines.map((l) => ({ l, b: barrier(l) })).reduce((x, y) => (y.b.aboveMean > x.b.aboveMean ? y : x));
      return {
        passed: worst.b.aboveMean <= 0.005,
        numbers: { lines: lines.length, worstAboveMean: worst.b.aboveMean, worstHighest: worst.b.highest },
        summary: `over ${lines.length} lines the highest training error rises at most ${pts(worst.b.aboveMean)} above the mean of the ends (${worst.l.from} to ${worst.l.to}: ${pct(worst.b.highest)})`,
      };
    },
  },
  {
    id: 'interp-between-basins',
    statement: 'Averaging two models from different basins gives a higher error than either.',
    figures: ['fig-01', 'fig-42'],
    threshold: 'along the line between every two global minima trained from different random initializations, the highest training error is >= the worse end + 5 points',
    needsRegime: true,
    async evaluate(ctx) {
      const lines = linesOf(await e6(ctx), 'between');
      if (lines.length === 0) return notApplicable('the run has only one global minimum');
      const lowest = lines.map((l) => ({ l, b: barrier(l) })).reduce((x, y) => (y.b.aboveWorse < x.b.aboveWorse ? y : x));
      return {
        passed: lowest.b.aboveWorse >= 0.05,
        numbers: { lines: lines.length, lowestBarrier: lowest.b.aboveWorse, highestOnThatLine: lowest.b.highest },
        summary: `over ${lines.length} line${lines.length === 1 ? '' : 's'} the lowest barrier is ${pts(lowest.b.aboveWorse)} above the worse end (${lowest.l.from} to ${lowest.l.to}, peak ${pct(lowest.b.highest)})`,
      };
    },
  },
  {
    id: 'perturb-small-vs-large',
    statement: 'A small kick leaves the model in its basin, a large one sends it to another basin.',
    figures: ['fig-01', 'fig-05', 'fig-36', 'fig-37', 'fig-38'],
    threshold: `>= 3/4 of the copies kicked by ${FIGURE_5_K} x S have no barrier to M_final (<= 0.5 point above the worse end), and >= 1/2 of the copies kicked by ${LARGE_K} x S have a barrier > 5 points (not applicable while those copies are above 0.5 % training error)`,
    needsRegime: true,
    async evaluate(ctx) {
      const a = await e6(ctx);
      const small = linesOf(a, 'from-final', FIGURE_5_K).map((l) => barrier(l).aboveWorse);
      const largeLines = linesOf(a, 'from-final', LARGE_K);
      const large = largeLines.map((l) => barrier(l).aboveWorse);
      if (small.length === 0 || large.length === 0) return notApplicable(`the run lacks copies kicked by ${FIGURE_5_K} or ${LARGE_K} x S`);
      const smallStay = small.filter((b) => b <= 0.005).length / small.length;
      const largeLeave = large.filter((b) => b > 0.05).length / large.length;
      // the claim is about where retraining ends: a copy still on a wall has not reached a basin
      const largeEnds = largeLines.map((l) => barrier(l).ends[1]);
      const numbers = {
        smallWithoutBarrier: smallStay,
        largeWithBarrier: largeLeave,
        highestSmallBarrier: Math.max(...small),
        lowestLargeBarrier: Math.min(...large),
        worstLargeCopyTrainError: Math.max(...largeEnds),
      };
      const summary =
        `k = ${FIGURE_5_K}: ${small.filter((b) => b <= 0.005).length} of ${small.length} copies without a barrier (highest ${pts(Math.max(...small))}); ` +
        `k = ${LARGE_K}: ${large.filter((b) => b > 0.05).length} of ${large.length} behind a barrier (barriers ${large.map((b) => pts(b)).join(', ')}), ` +
        `the copies ending at ${largeEnds.map(pct).join(', ')} training error`;
      if (Math.max(...largeEnds) > ZERO_TRAINING_ERROR) {
        return { notApplicable: `retraining has not brought the copies kicked by ${LARGE_K} x S to zero training error (up to ${pct(Math.max(...largeEnds))}): they have not settled in a basin`, numbers, summary };
      }
      return { passed: smallStay >= 0.75 && largeLeave >= 0.5, numbers, summary };
    },
  },
  {
    id: 'flat-directions',
    statement: 'The global minimum is flat: most random directions keep it at zero error for a while, more than around an early model.',
    figures: ['fig-43'],
    threshold: `>= 90 % of random filter-normalized directions keep the training error within 0.5 point of the centre's out to t = ±${FLAT_RADIUS} around M_final (at zero error: <= 0.5 %), a larger share than around the early model`,
    needsRegime: true,
    async evaluate(ctx) {
      const a = await e6(ctx);
      const share = (centre: DirectionProfile['centre']) => {
        const ds = a.directions.filter((d) => d.centre === centre);
        return ds.filter((d) => staysFlat(d)).length / ds.length;
      };
      if (!a.directions.some((d) => d.t.some((t) => t !== 0 && Math.abs(t) <= FLAT_RADIUS + 1e-9))) return notApplicable(`the directions' grid has no point within t = ±${FLAT_RADIUS} besides the centre`);
      const final = share('final');
      const early = share('early');
      return {
        passed: final >= 0.9 && final > early,
        numbers: { directions: a.directions.length / 2, flatAroundFinal: final, flatAroundEarly: early },
        summary: `${pct(final)} of ${a.directions.length / 2} directions stay flat out to ±${FLAT_RADIUS} around M_final, ${pct(early)} around the early model (M${a.earlyEpoch})`,
      };
    },
  },
];
