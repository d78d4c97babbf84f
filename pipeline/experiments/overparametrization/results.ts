// E7's results as the claims and figures read them: per labelling and width, the final model of
// each seed, their means, and how long each net trained.
import { CLASSES } from '../../engine/net.ts';
import { mean } from '../../analysis/distances.ts';
import { readOnce } from '../../artifacts.ts';
import { ZERO_TRAINING_ERROR } from '../kit/regime.ts';
import { lastEpoch, readSnapshotIndex, type SnapshotTrajectory } from '../kit/snapshots.ts';
import type { EpochRecord } from '../kit/trajectory.ts';
import type { Labelling, OverparametrizationIndex } from './step.ts';

/** The test error of guessing: 1 - 1/10. */
export const CHANCE_ERROR = 1 - 1 / CLASSES;

export interface WidthResults {
  width: number;
  parameters: number;
  /** one per seed, in seed order */
  trajectories: SnapshotTrajectory[];
  finals: EpochRecord[];
  meanTrainError: number;
  meanTestError: number;
  worstTrainError: number;
  /** every seed at or below ZERO_TRAINING_ERROR */
  fits: boolean;
}

export interface OverparametrizationResults {
  index: OverparametrizationIndex;
  trainImages: number;
  /** by labelling, widths ascending */
  widths: Record<Labelling, WidthResults[]>;
}

function widthsOf(index: OverparametrizationIndex, labels: Labelling): WidthResults[] {
  return [...index.settings.over.widths]
    .sort((x, y) => x - y)
    .map((width) => {
      const trajectories = index.trajectories
        .filter((t) => t.meta['labels'] === labels && t.meta['width'] === width)
        .sort((x, y) => Number(x.meta['seed']) - Number(y.meta['seed']));
      if (trajectories.length === 0) throw new Error(`E7 has no trajectory of width ${width} with ${labels} labels`);
      const finals = trajectories.map((t) => lastEpoch(t) as EpochRecord);
      const worstTrainError = Math.max(...finals.map((f) => f.trainError));
      return {
        width,
        parameters: Number(trajectories[0]!.meta['parameters']),
        trajectories,
        finals,
        meanTrainError: mean(finals.map((f) => f.trainError)),
        meanTestError: mean(finals.map((f) => f.testError)),
        worstTrainError,
        fits: worstTrainError <= ZERO_TRAINING_ERROR,
      };
    });
}

/** E7's artifact, read once per process. */
export const readOverparametrizationResults = readOnce(async (dir): Promise<OverparametrizationResults> => {
  const index = await readSnapshotIndex<OverparametrizationIndex['settings']>(dir);
  return { index, trainImages: index.settings.trainImages, widths: { natural: widthsOf(index, 'natural'), shuffled: widthsOf(index, 'shuffled') } };
});
