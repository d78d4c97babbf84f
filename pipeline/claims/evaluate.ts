// Turns declared claims into results: a claim that fails is a result, reported with its numbers,
// never thrown; a claim that needs the paper's regime is not applicable in a run outside it (its
// numbers are still shown); when a training experiment they read diverged, no claim is judged on
// what is left. An evaluation that throws is a bug, and fails the step.
import { describeRegime } from '../experiments/kit/regime.ts';
import { divergenceOfArtifact } from '../experiments/kit/snapshots.ts';
import type { ClaimInputs, ClaimModule } from './claim.ts';
import type { ClaimResult } from './types.ts';

export async function evaluateClaims(module: ClaimModule, ctx: ClaimInputs): Promise<ClaimResult[]> {
  const needsRegime = module.claims.some((c) => c.needsRegime);
  if (needsRegime && !module.regime) throw new Error('a claim needs the regime, but the claims module exports no regime()');
  const diverged = (await Promise.all(Object.values(ctx.inputs).map(divergenceOfArtifact))).find((note) => note !== null) ?? null;
  const regime = needsRegime && !diverged ? await module.regime!(ctx) : null;
  const results: ClaimResult[] = [];
  for (const claim of module.claims) {
    const base = { id: claim.id, statement: claim.statement, figures: claim.figures, threshold: claim.threshold };
    if (diverged) {
      results.push({ ...base, status: 'not-applicable', numbers: {}, reason: diverged });
      continue;
    }
    const outcome = await claim.evaluate(ctx);
    if ('notApplicable' in outcome) {
      results.push({ ...base, status: 'not-applicable', numbers: outcome.numbers ?? {}, reason: outcome.notApplicable, ...(outcome.summary ? { summary: outcome.summary } : {}) });
    } else if (claim.needsRegime && regime && !regime.atZero) {
      results.push({ ...base, status: 'not-applicable', numbers: outcome.numbers, reason: describeRegime(regime), summary: outcome.summary });
    } else {
      results.push({ ...base, status: outcome.passed ? 'pass' : 'fail', numbers: outcome.numbers, summary: outcome.summary });
    }
  }
  return results;
}
