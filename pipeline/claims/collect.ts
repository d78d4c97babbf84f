// The claims of a run, for its manifest: every claim of every claim group in the plan, with its
// result when its step's artifact exists under the current key, else not applicable with the
// reason its step gives (not asked for, failed, or blocked by a failed input).
import type { Cache } from '../cache.ts';
import type { Plan } from '../plan.ts';
import type { StepOutcome } from '../runner.ts';
import { readClaims } from './artifact.ts';
import { loadClaimModule } from './step.ts';
import type { ClaimResult } from './types.ts';

const USABLE = new Set(['reused', 'computed', 'available']);

export async function collectClaims(cache: Cache, plan: Plan, outcomes: StepOutcome[]): Promise<ClaimResult[]> {
  const byName = new Map(outcomes.map((o) => [o.name, o]));
  const results: ClaimResult[] = [];
  for (const step of plan.steps.filter((s) => s.decl.kind === 'claims')) {
    const outcome = byName.get(step.decl.name);
    if (outcome && USABLE.has(outcome.status)) {
      results.push(...(await readClaims(cache.objectDir(step.key))).results);
      continue;
    }
    const reason =
      !outcome || outcome.status === 'unavailable'
        ? 'not checked in this run: the figures asked for do not need what it reads'
        : `not computed: ${step.decl.name} ${outcome.status}${outcome.note ? ` (${outcome.note})` : ''}`;
    const module = await loadClaimModule(step.decl.extraSources![0]!);
    for (const claim of module.claims) {
      results.push({ id: claim.id, statement: claim.statement, figures: claim.figures, threshold: claim.threshold, status: 'not-applicable', numbers: {}, reason });
    }
  }
  return results;
}
