// E2's results as the claims and figures read them: per compared net, its trajectories by seed,
// final numbers (means over seeds), and what the polynomial nets' training fed their activation.
import { mean } from '../../analysis/distances.ts';
import { readOnce } from '../../artifacts.ts';
import { lastEpoch, readSnapshotIndex, recordsOf, type SnapshotTrajectory } from '../kit/snapshots.ts';
import type { EpochRecord } from '../kit/trajectory.ts';
import type { ComparedNet, PolynomialNetIndex } from './step.ts';

export interface NetResults {
  net: ComparedNet;
  /** one per seed, in seed order */
  trajectories: SnapshotTrajectory[];
  /** the final model of each seed */
  finals: EpochRecord[];
  meanTrainError: number;
  meanTestError: number;
  /** every record finite and no trajectory stopped on a non-finite loss */
  finite: boolean;
  /** polynomial nets: pre-activations outside [-a, a] over all of training, of all seeds */
  outside: { share: number; worstEpochShare: number; maxAbs: number; perLayer: number[] } | null;
}

export interface PolynomialNetResults {
  index: PolynomialNetIndex;
  relu: NetResults;
  /** the polynomial net of the claim and of Figure 40 */
  main: NetResults;
  /** every compared net, ReLU first */
  nets: NetResults[];
}

function resultsOf(index: PolynomialNetIndex, net: ComparedNet): NetResults {
  const trajectories = index.trajectories.filter((t) => t.meta['net'] === net.id).sort((x, y) => Number(x.meta['seed']) - Number(y.meta['seed']));
  if (trajectories.length === 0) throw new Error(`E2 has no trajectory of the ${net.label} net`);
  const finals = trajectories.map((t) => lastEpoch(t) as EpochRecord);
  const records = trajectories.flatMap(recordsOf);
  const finite = trajectories.every((t) => !t.diverged) && records.every((r) => [r.trainLoss, r.testLoss, r.trainError, r.testError].every(Number.isFinite));
  const seen = records.flatMap((r) => (r.preActivations ? [r.preActivations] : []));
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  const outside =
    net.activation.kind === 'polynomial' && seen.length > 0
      ? {
          share: sum(seen.map((s) => sum(s.outside))) / sum(seen.map((s) => sum(s.total))),
          worstEpochShare: Math.max(...seen.map((s) => sum(s.outside) / sum(s.total))),
          maxAbs: Math.max(...seen.flatMap((s) => s.maxAbs)),
          perLayer: seen[0]!.outside.map((_, l) => sum(seen.map((s) => s.outside[l]!)) / sum(seen.map((s) => s.total[l]!))),
        }
      : null;
  return { net, trajectories, finals, meanTrainError: mean(finals.map((f) => f.trainError)), meanTestError: mean(finals.map((f) => f.testError)), finite, outside };
}

/** E2's artifact, read once per process. */
export const readPolynomialNetResults = readOnce(async (dir): Promise<PolynomialNetResults> => {
  const index = await readSnapshotIndex<PolynomialNetIndex['settings']>(dir);
  const nets = index.settings.nets.map((n) => resultsOf(index, n));
  const main = nets.find((n) => n.net.degree === index.settings.poly.degree)!;
  return { index, relu: nets[0]!, main, nets };
});
