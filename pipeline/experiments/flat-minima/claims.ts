// The paper's claims about the perturbed global minimum (Figure 5, 35) and Corollary 1 (Figure 45),
// checked on E5's artifact and the degeneracy analysis. Distances are 1 - cos between layer-2
// weight vectors, as FIGURES.md states.
import { cosineDistance } from '../../analysis/distances.ts';
import { DEGENERACY_STEP, readDegeneracy } from '../../analysis/degeneracy/artifact.ts';
import { RANK_TOLERANCE } from '../../analysis/degeneracy/corollary.ts';
import type { ClaimDecl, ClaimInputs } from '../../claims/claim.ts';
import { notApplicable, readOnce } from '../../claims/claim.ts';
import { disagreement } from '../kit/predictions.ts';
import { regimeOf, type Regime } from '../kit/regime.ts';
import { lastEpoch, readLayer, type SnapshotTrajectory } from '../kit/snapshots.ts';
import { FLAT_MINIMA_STEP, readFlatMinima, type FlatMinima } from './artifact.ts';
import { FIGURE_5_K } from './experiment.ts';

const pts = (v: number) => `${(100 * v).toFixed(2)} points`;
const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
const num = (v: number) => Number(v.toPrecision(3)).toString();
const COPY_FIGURES = ['fig-05', 'fig-31', 'fig-32', 'fig-33', 'fig-34', 'fig-35'];

const e5 = readOnce(FLAT_MINIMA_STEP, readFlatMinima);

/** How many training images the artifact's models were evaluated on (from M_final's predictions). */
function trainingImages(d: FlatMinima): number {
  const p = d.minimum(1).epoch.predictions;
  if (!p) throw new Error("E5's artifact has no predictions of M_final");
  return p.train.length;
}

const misclassified = (d: FlatMinima, trainError: number) => Math.round(trainError * trainingImages(d));

export async function regime(ctx: ClaimInputs): Promise<Regime> {
  const d = await e5(ctx);
  const copies = d.copies(FIGURE_5_K);
  return regimeOf([d.minimum(1).epoch.trainError, ...copies.map((t) => lastEpoch(t).trainError)], `M_final and its ${copies.length} copies kicked by ${FIGURE_5_K} x S`);
}

export const claims: ClaimDecl[] = [
  {
    id: 'flat-global-min',
    statement: 'M_final, the model the experiment starts from, is a global minimum: it fits every training image.',
    figures: ['fig-05'],
    threshold: "M_final's training error is 0 (at most 1 misclassified training image)",
    async evaluate(ctx) {
      const d = await e5(ctx);
      const m = d.minimum(1).epoch;
      const wrong = misclassified(d, m.trainError);
      return {
        passed: wrong <= 1,
        numbers: { misclassified: wrong, trainError: m.trainError, trainLoss: m.trainLoss, testError: m.testError },
        summary: `M_final misclassifies ${wrong} of ${trainingImages(d)} training images (training loss ${num(m.trainLoss)}, test error ${pct(m.testError)})`,
      };
    },
  },
  {
    id: 'flat-copies-refit',
    statement: 'Copies of M_final kicked by 0.1 x S return to zero training error when retrained, and generalize as M_final does.',
    figures: ['fig-05', 'fig-35'],
    threshold: `all copies kicked by ${FIGURE_5_K} x S end at <= 1 misclassified training image, with test error within 1.5 points of M_final's`,
    async evaluate(ctx) {
      const d = await e5(ctx);
      const m = d.minimum(1).epoch;
      const ends = d.copies(FIGURE_5_K).map(lastEpoch);
      const worstWrong = Math.max(...ends.map((e) => misclassified(d, e.trainError)));
      const worstGap = Math.max(...ends.map((e) => Math.abs(e.testError - m.testError)));
      return {
        passed: worstWrong <= 1 && worstGap <= 0.015,
        numbers: { copies: ends.length, worstMisclassified: worstWrong, worstTestErrorGap: worstGap, finalTestError: m.testError },
        summary: `the ${ends.length} copies end at up to ${worstWrong} misclassified training images; their test error is within ${pts(worstGap)} of M_final's (${pct(m.testError)})`,
      };
    },
  },
  {
    id: 'flat-copies-differ',
    statement: 'The copies converge to different solutions: distinct points in weight space that also predict differently.',
    figures: COPY_FIGURES,
    threshold: `the smallest distance between the converged copies (k = ${FIGURE_5_K}) is >= 5 x the largest last-epoch step of any copy, and every pair of copies disagrees on > 0.5 % of test predictions`,
    needsRegime: true,
    async evaluate(ctx) {
      const d = await e5(ctx);
      const copies = d.copies(FIGURE_5_K);
      if (copies.length < 2) return notApplicable('fewer than two copies per noise level');
      const layer2 = await readLayer(d.ref, d.index, 2);
      const end = (t: SnapshotTrajectory) => layer2[lastEpoch(t).row]!;
      const step = (t: SnapshotTrajectory) => {
        const e = t.epochs;
        return e.length < 2 ? 0 : cosineDistance(layer2[e[e.length - 2]!.row]!, layer2[e[e.length - 1]!.row]!);
      };
      let smallest = Infinity;
      let leastDisagreement = Infinity;
      for (let i = 0; i < copies.length; i++) {
        for (let j = i + 1; j < copies.length; j++) {
          smallest = Math.min(smallest, cosineDistance(end(copies[i]!), end(copies[j]!)));
          const [a, b] = [lastEpoch(copies[i]!).predictions, lastEpoch(copies[j]!).predictions];
          if (!a || !b) throw new Error("E5's artifact has no predictions of the converged copies");
          leastDisagreement = Math.min(leastDisagreement, disagreement(a.test, b.test));
        }
      }
      const largestStep = Math.max(...copies.map(step));
      const ratio = largestStep > 0 ? smallest / largestStep : Infinity;
      return {
        passed: ratio >= 5 && leastDisagreement > 0.005,
        numbers: { smallestDistance: smallest, largestLastStep: largestStep, ratio: Number.isFinite(ratio) ? ratio : null, leastTestDisagreement: leastDisagreement },
        summary: `closest converged copies: ${num(smallest)}, ${Number.isFinite(ratio) ? num(ratio) : 'infinitely many'} x the largest last-epoch step (${num(largestStep)}); the most similar pair disagrees on ${(100 * leastDisagreement).toFixed(1)} % of the test images`,
      };
    },
  },
  {
    id: 'degenerate-minima',
    statement: 'Corollary 1: zero-error minima of an overparametrized net are degenerate, with at least K - N x C flat directions.',
    figures: ['fig-45'],
    threshold: `on a small regression net with K weights > N x C outputs trained to zero squared loss, the Gauss-Newton matrix and the Hessian have numerical rank <= N x C (eigenvalues beyond it <= ${RANK_TOLERANCE.toExponential(0)} x the largest), so >= K - N x C flat directions`,
    async evaluate(ctx) {
      const { corollary: c } = await readDegeneracy(ctx.inputs[DEGENERACY_STEP]!);
      if (c.weights <= c.equations) return notApplicable(`the regression net has K = ${c.weights} weights, not more than N x C = ${c.equations}`);
      const beyond = Math.abs(c.hessian[c.equations] ?? 0) / Math.abs(c.hessian[0]!);
      return {
        passed: c.rank.hessian <= c.equations && c.rank.gaussNewton <= c.equations,
        numbers: {
          weights: c.weights,
          equations: c.equations,
          finalLoss: c.finalLoss,
          hessianRank: c.rank.hessian,
          gaussNewtonRank: c.rank.gaussNewton,
          flatDirections: c.weights - c.rank.hessian,
          largestBeyondRank: beyond,
          hessianRankAtStart: c.rank.hessianAtStart,
        },
        summary:
          `K = ${c.weights}, N x C = ${c.equations}; at loss ${c.finalLoss.toExponential(1)} the Hessian has rank ${c.rank.hessian} (Gauss-Newton ${c.rank.gaussNewton}), ` +
          `eigenvalue ${c.equations + 1} is ${beyond.toExponential(1)} x the largest, so ${c.weights - c.rank.hessian} flat directions; at the random start the Hessian has rank ${c.rank.hessianAtStart}`,
      };
    },
  },
];
