// The paper's claims about SGD (Figure 3 and its appendix), checked on E3's snapshots. Distances
// are 1 - cos between layer-2 weight vectors (the first convolution), as FIGURES.md states.
import { cosineDistance, mean, median, pairwise } from '../../analysis/distances.ts';
import type { ClaimDecl, ClaimInputs } from '../../claims/claim.ts';
import { artifactLoader, notApplicable } from '../../claims/claim.ts';
import { regimeOf, type Regime } from '../kit/regime.ts';
import { divergenceNote, lastEpoch, readLayer, readSnapshotIndex, type SnapshotTrajectory } from '../kit/snapshots.ts';
import type { SgdStagesIndex } from './step.ts';

const SOURCE = 'experiment:sgd-stages';
const LAYER = 2;
const STAGE_FIGURES = ['fig-03', 'fig-10', 'fig-11', 'fig-12', 'fig-13', 'fig-14', 'fig-15', 'fig-16', 'fig-17', 'fig-18', 'fig-19'];

interface E3 {
  index: SgdStagesIndex;
  /** why no claim can be judged: training diverged (then every claim is not applicable) */
  diverged: string | null;
  layer2: Float32Array[];
  /** trajectory t of stage s */
  at(stage: number, trajectory: number): SnapshotTrajectory;
}

const e3 = artifactLoader(SOURCE, async (ref): Promise<E3> => {
  const index = await readSnapshotIndex<SgdStagesIndex['settings']>(ref);
  const layer2 = await readLayer(ref, index, LAYER);
  const byName = new Map(index.trajectories.map((t) => [`${t.meta['stage']}/${t.meta['trajectory']}`, t]));
  const at = (stage: number, trajectory: number) => {
    const t = byName.get(`${stage}/${trajectory}`);
    if (!t) throw new Error(`E3 has no trajectory ${trajectory} in stage ${stage}`);
    return t;
  };
  return { index, layer2, at, diverged: divergenceNote(index) };
});

const last = (d: E3, t: SnapshotTrajectory) => d.layer2[lastEpoch(t).row]!;
const first = (d: E3, t: SnapshotTrajectory) => d.layer2[t.epochs[0]!.row]!;
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const num = (v: number) => Number(v.toPrecision(3)).toString();

/** Over stages 2..n, the stage whose measured ratio is the worst one (lowest or highest). */
function worstStage<T extends { ratio: number }>(stages: number, worst: 'lowest' | 'highest', measure: (stage: number) => T): T & { stage: number } {
  const measured = range(2, stages).map((stage) => ({ ...measure(stage), stage }));
  return measured.reduce((a, b) => ((worst === 'lowest' ? b.ratio < a.ratio : b.ratio > a.ratio) ? b : a));
}

export async function regime(ctx: ClaimInputs): Promise<Regime> {
  const d = await e3(ctx);
  const { stages, trajectories } = d.index.settings.sgd;
  // training that diverged makes every claim not applicable before the regime is looked at
  if (d.diverged) return { atZero: false, trainError: Number.NaN, models: `no model of the last stage to judge (${d.diverged})` };
  return regimeOf(range(1, trajectories).map((t) => lastEpoch(d.at(stages, t)).trainError), `the ${trajectories} models of the last stage`);
}

export const claims: ClaimDecl[] = [
  {
    id: 'sgd-regime',
    statement: 'The network fits its training set: SGD drives the training error to zero.',
    figures: ['fig-03', 'fig-20'],
    threshold: 'every trajectory of the last stage ends at <= 0.5 % training error',
    async evaluate(ctx) {
      const { diverged } = await e3(ctx);
      if (diverged) return notApplicable(diverged);
      const r = await regime(ctx);
      return { passed: r.atZero, numbers: { worstFinalTrainError: r.trainError }, summary: `the worst of ${r.models} ends at ${pct(r.trainError)} training error` };
    },
  },
  {
    id: 'sgd-paths-differ',
    statement: 'Running SGD again from the same model almost always takes a slightly different path.',
    figures: STAGE_FIGURES,
    threshold: 'in every stage >= 2, the smallest distance among the ends of trajectories 1-4 is > 0 and >= 0.5 x the median distance between successive epochs of that stage',
    async evaluate(ctx) {
      const d = await e3(ctx);
      if (d.diverged) return notApplicable(d.diverged);
      const { stages, trajectories, firstPerturbed } = d.index.settings.sgd;
      if (stages < 2) return notApplicable('the run has a single stage');
      const same = range(1, Math.min(4, firstPerturbed - 1));
      if (same.length < 2) return notApplicable('fewer than two trajectories per stage start from the same model');
      const worst = worstStage(stages, 'lowest', (stage) => {
        const smallest = Math.min(...pairwise(same.map((t) => last(d, d.at(stage, t)))));
        const steps = range(1, trajectories).flatMap((t) => {
          const tr = d.at(stage, t);
          return tr.epochs.slice(1).map((e, i) => cosineDistance(d.layer2[tr.epochs[i]!.row]!, d.layer2[e.row]!));
        });
        const step = median(steps);
        return { ratio: smallest > 0 ? smallest / step : 0, smallest, step };
      });
      return {
        passed: worst.smallest > 0 && worst.ratio >= 0.5,
        numbers: { worstRatio: worst.ratio, worstStage: worst.stage, smallestDistance: worst.smallest, medianEpochStep: worst.step },
        summary: `closest ends in stage ${worst.stage}: ${num(worst.smallest)}, ${num(worst.ratio)} x that stage's median epoch step (${num(worst.step)})`,
      };
    },
  },
  {
    id: 'sgd-kick-small',
    statement: 'The perturbation of 0.01 x S that starts trajectories 5-8 is a small kick next to where SGD itself goes.',
    figures: STAGE_FIGURES,
    threshold: 'in every stage >= 2, the distance between the starts of trajectories 1 and 5 is <= 0.05 x the distance between the ends of trajectories 1 and 2',
    async evaluate(ctx) {
      const d = await e3(ctx);
      if (d.diverged) return notApplicable(d.diverged);
      const { stages, trajectories, firstPerturbed } = d.index.settings.sgd;
      if (stages < 2 || firstPerturbed > trajectories || firstPerturbed < 3) return notApplicable('the run has no stage with both unperturbed pairs and perturbed trajectories');
      const worst = worstStage(stages, 'highest', (stage) => {
        const kick = cosineDistance(first(d, d.at(stage, 1)), first(d, d.at(stage, firstPerturbed)));
        const spread = cosineDistance(last(d, d.at(stage, 1)), last(d, d.at(stage, 2)));
        return { ratio: kick / spread, kick, spread };
      });
      return {
        passed: worst.ratio <= 0.05,
        numbers: { worstRatio: worst.ratio, worstStage: worst.stage, kick: worst.kick, endSpread: worst.spread },
        summary: `largest in stage ${worst.stage}: the kick moves ${num(worst.kick)}, ${num(worst.ratio)} x the spread of the ends of trajectories 1 and 2 (${num(worst.spread)})`,
      };
    },
  },
  {
    id: 'sgd-crowding',
    statement: 'The later stages crowd together: once the training error is near zero, SGD keeps moving within a small region.',
    figures: ['fig-03', 'fig-20'],
    threshold: 'the mean pairwise distance of the final models of stages 9-12 is <= 0.5 x that of stages 1-2',
    needsRegime: true,
    async evaluate(ctx) {
      const d = await e3(ctx);
      if (d.diverged) return notApplicable(d.diverged);
      const { stages, trajectories } = d.index.settings.sgd;
      if (stages < 12) return notApplicable(`the run has ${stages} stages; the check compares stages 9-12 with stages 1-2`);
      const finals = (from: number, to: number) => range(from, to).flatMap((s) => range(1, trajectories).map((t) => last(d, d.at(s, t))));
      const late = mean(pairwise(finals(9, 12)));
      const early = mean(pairwise(finals(1, 2)));
      const ratio = late / early;
      return {
        passed: ratio <= 0.5,
        numbers: { ratio, meanDistanceStages9to12: late, meanDistanceStages1to2: early },
        summary: `mean distance of the final models: ${num(late)} in stages 9-12 against ${num(early)} in stages 1-2 (${num(ratio)} x)`,
      };
    },
  },
];
