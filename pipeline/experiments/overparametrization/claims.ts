// The paper's claims about overparametrization (Figures 9 and 44), checked on E7's final models:
// wide nets fit their training set, growing them further does not raise the test error, and with
// shuffled labels the widest net still fits while its test error stays at chance.
import type { ClaimDecl, ClaimInputs } from '../../claims/claim.ts';
import { notApplicable } from '../../claims/claim.ts';
import { CHANCE_ERROR, readOverparametrizationResults, type OverparametrizationResults, type WidthResults } from './results.ts';

const SOURCE = 'experiment:overparametrization';
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const net = (w: WidthResults) => `width ${w.width} (${w.parameters.toLocaleString('en-US')} parameters)`;

function e7(ctx: ClaimInputs): Promise<OverparametrizationResults> {
  return readOverparametrizationResults(ctx.inputs[SOURCE]!);
}

export const claims: ClaimDecl[] = [
  {
    id: 'over-fits',
    statement: 'Overparametrized networks fit their training data.',
    figures: ['fig-09'],
    threshold: 'with the natural labels, every seed of every width with K >= 2 N parameters ends at <= 0.5 % training error',
    async evaluate(ctx) {
      const { widths, trainImages } = await e7(ctx);
      const over = widths.natural.filter((w) => w.parameters >= 2 * trainImages);
      if (over.length === 0) return notApplicable(`no width has at least 2 N = ${2 * trainImages} parameters`);
      const worst = over.reduce((x, y) => (y.worstTrainError > x.worstTrainError ? y : x));
      const nets = over.flatMap((w) => w.trajectories);
      const atCap = nets.filter((t) => t.stoppedAt === undefined).length;
      return {
        passed: over.every((w) => w.fits),
        numbers: { worstTrainError: worst.worstTrainError, worstWidth: worst.width, widthsChecked: over.length, netsAtEpochCap: atCap, trainImages },
        summary:
          `of the ${over.length} widths with K >= 2 N (${over.map((w) => w.width).join(', ')}), the worst seed ends at ${pct(worst.worstTrainError)} training error (${net(worst)})` +
          (atCap ? `; ${atCap} of their ${nets.length} nets stopped at the epoch cap without fitting` : ''),
      };
    },
  },
  {
    id: 'over-no-harm',
    statement: 'Overparametrization does not harm generalization: beyond the size that fits the data, wider nets do not test worse.',
    figures: ['fig-09'],
    threshold: 'with the natural labels, the mean test error (over seeds) at the largest width <= that at the smallest width whose seeds all fit (<= 0.5 % training error) + 1 point',
    async evaluate(ctx) {
      const { widths } = await e7(ctx);
      const natural = widths.natural;
      const smallest = natural.find((w) => w.fits);
      const largest = natural[natural.length - 1]!;
      if (!smallest) return notApplicable('no width fits its training set, so there is no overparametrized range to compare', { largestWidthTrainError: largest.worstTrainError });
      if (smallest === largest) return notApplicable('only the largest width fits its training set: there is no wider net to compare it with', { largestWidthTrainError: largest.worstTrainError });
      const change = largest.meanTestError - smallest.meanTestError;
      return {
        passed: change <= 0.01,
        numbers: { smallestFittingWidth: smallest.width, smallestFittingTestError: smallest.meanTestError, largestWidth: largest.width, largestTestError: largest.meanTestError, change },
        summary: `mean test error ${pct(smallest.meanTestError)} at ${net(smallest)}, the smallest that fits, and ${pct(largest.meanTestError)} at ${net(largest)} (${change >= 0 ? '+' : ''}${(100 * change).toFixed(1)} points)`,
      };
    },
  },
  {
    id: 'over-random-labels',
    statement: 'Control: with the training labels shuffled, the widest net still fits its training set, and its test error stays at chance.',
    figures: ['fig-44'],
    threshold: `with shuffled labels, every seed of the largest width ends at <= 1 % training error, and its mean test error is within 3 points of chance (${pct(CHANCE_ERROR)})`,
    async evaluate(ctx) {
      const { widths } = await e7(ctx);
      const largest = widths.shuffled[widths.shuffled.length - 1]!;
      const fromChance = largest.meanTestError - CHANCE_ERROR;
      return {
        passed: largest.worstTrainError <= 0.01 && Math.abs(fromChance) <= 0.03,
        numbers: { width: largest.width, parameters: largest.parameters, worstTrainError: largest.worstTrainError, meanTestError: largest.meanTestError, fromChance },
        summary: `${net(largest)}: worst seed at ${pct(largest.worstTrainError)} training error, mean test error ${pct(largest.meanTestError)} (${fromChance >= 0 ? '+' : ''}${(100 * fromChance).toFixed(1)} points from chance)`,
      };
    },
  },
];
