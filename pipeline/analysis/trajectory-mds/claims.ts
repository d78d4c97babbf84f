// The claim every MDS figure rests on: its map reflects the distances. Checked on every view of
// every MDS analysis of the run (a superset of the panels the figures draw).
import { CATALOG } from '../../../figures/catalog.ts';
import type { ClaimDecl } from '../../claims/claim.ts';
import { notApplicable } from '../../claims/claim.ts';
import { readMds } from './artifact.ts';
import { MDS_STEP_PREFIX } from './names.ts';

const MIN_SPEARMAN = 0.7;

export const claims: ClaimDecl[] = [
  {
    id: 'mds-faithful',
    statement: 'The two-dimensional maps reflect the distances between the models they place.',
    figures: CATALOG.filter((e) => e.build?.inputs.some((i) => i.startsWith(MDS_STEP_PREFIX))).map((e) => e.id),
    threshold: `the Spearman correlation between map distances and true dissimilarities is >= ${MIN_SPEARMAN} in every panel (negative eigenvalue mass reported beside it)`,
    async evaluate(ctx) {
      const analyses = Object.entries(ctx.inputs).filter(([name]) => name.startsWith(MDS_STEP_PREFIX));
      if (analyses.length === 0) return notApplicable('the run has no MDS analysis');
      let worst = { spearman: Infinity, panel: '' };
      let panels = 0;
      let maxNegative = 0;
      for (const [name, ref] of analyses) {
        const mds = await readMds(ref);
        for (const view of mds.views) {
          panels++;
          maxNegative = Math.max(maxNegative, view.negativeMass);
          // a constant map (NaN) counts as unfaithful
          const rho = Number.isNaN(view.spearman) ? -1 : view.spearman;
          if (rho < worst.spearman) worst = { spearman: rho, panel: `${name.slice(MDS_STEP_PREFIX.length)} / ${view.label}` };
        }
      }
      return {
        passed: worst.spearman >= MIN_SPEARMAN,
        numbers: { worstSpearman: worst.spearman, panels, maxNegativeMass: maxNegative },
        summary: `${panels} panels; the least faithful is ${worst.panel} with rank correlation ${worst.spearman.toFixed(3)}; largest negative eigenvalue mass ${(100 * maxNegative).toFixed(2)} %`,
      };
    },
  },
];
