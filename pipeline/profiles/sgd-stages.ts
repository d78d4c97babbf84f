import type { PerProfile } from './names.ts';

/** E3: stages of parallel SGD trajectories (FIGURES.md, Figure 3 of the paper). */
export interface SgdStagesSettings {
  stages: number;
  trajectories: number;
  /** trajectories numbered from this one on start from the perturbed model */
  firstPerturbed: number;
  epochsPerStage: number;
  learningRate: number;
  batchSize: number;
  /** perturbation std as a multiple of each layer's weight std */
  perturbScale: number;
}

const paperSettings: SgdStagesSettings = {
  stages: 12,
  trajectories: 8,
  firstPerturbed: 5,
  epochsPerStage: 10,
  learningRate: 0.01,
  batchSize: 100,
  perturbScale: 0.01,
};

export const sgdStages: PerProfile<SgdStagesSettings> = {
  smoke: { ...paperSettings, epochsPerStage: 1, batchSize: 50 },
  preview: { ...paperSettings, epochsPerStage: 2 },
  cifar: { ...paperSettings, epochsPerStage: 4 },
  paper: paperSettings,
};
