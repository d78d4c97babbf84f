// The paper's claim about the polynomial net (Figure 2), checked on E2's records: the net whose
// ReLUs are replaced by a polynomial fit trains like the ReLU net, with its pre-activations
// inside the interval the fit is good on.
import type { ClaimDecl, ClaimInputs } from '../../claims/claim.ts';
import { readPolynomialNetResults, type PolynomialNetResults } from './results.ts';

const SOURCE = 'experiment:polynomial-net';
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const points = (v: number) => `${(100 * v).toFixed(1)} points`;

function e2(ctx: ClaimInputs): Promise<PolynomialNetResults> {
  return readPolynomialNetResults(ctx.inputs[SOURCE]!);
}

export const claims: ClaimDecl[] = [
  {
    id: 'poly-like-relu',
    statement: 'A network whose ReLUs are replaced by a polynomial that approximates ReLU well performs like the ReLU network.',
    figures: ['fig-02', 'fig-40'],
    threshold:
      'final training error within 2 points and test error within 3 points of the ReLU net (means over seeds); no loss or error is NaN or infinite; <= 1 % of the pre-activations seen in training lie outside the fitted interval [-a, a]',
    async evaluate(ctx) {
      const { index, relu, main } = await e2(ctx);
      const { a, poly } = index.settings;
      const trainGap = main.meanTrainError - relu.meanTrainError;
      const testGap = main.meanTestError - relu.meanTestError;
      const outside = main.outside!;
      const seeds = main.finals.length;
      const passed = Math.abs(trainGap) <= 0.02 && Math.abs(testGap) <= 0.03 && main.finite && relu.finite && outside.share <= 0.01;
      return {
        passed,
        numbers: {
          degree: poly.degree,
          a,
          seeds,
          reluTrainError: relu.meanTrainError,
          polynomialTrainError: main.meanTrainError,
          trainGap,
          reluTestError: relu.meanTestError,
          polynomialTestError: main.meanTestError,
          testGap,
          finite: main.finite && relu.finite ? 1 : 0,
          outsideShare: outside.share,
          worstEpochOutsideShare: outside.worstEpochShare,
          largestPreActivation: outside.maxAbs,
        },
        summary:
          `after ${poly.epochs} epochs (mean of ${seeds} seed${seeds > 1 ? 's' : ''}), the degree-${poly.degree} net ends at ${pct(main.meanTrainError)} training and ${pct(main.meanTestError)} test error, ` +
          `the ReLU net at ${pct(relu.meanTrainError)} and ${pct(relu.meanTestError)} (gaps ${points(trainGap)} and ${points(testGap)}); ` +
          `${main.finite && relu.finite ? 'all numbers finite' : 'a non-finite loss or error occurred'}; ${(100 * outside.share).toFixed(2)} % of its pre-activations fell outside [-${a}, ${a}] ` +
          `(worst epoch ${(100 * outside.worstEpochShare).toFixed(2)} %, largest |x| ${outside.maxAbs.toFixed(1)})`,
      };
    },
  },
];
