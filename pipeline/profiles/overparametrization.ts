import type { PerProfile } from './names.ts';

/**
 * E7: the DCNN at a series of widths whose parameter counts (27 w^2 + 117 w + 10 at width w)
 * run from well below to well above the number of training images, each trained until it
 * classifies every training image correctly or reaches the epoch cap, with the natural labels and
 * with shuffled ones.
 */
export interface OverparametrizationSettings {
  widths: number[];
  /** each width and labelling is trained from this many seeds */
  seeds: number;
  /** the epoch cap */
  maxEpochs: number;
  /** a net stops after the first epoch at or below this training error (0: every image right) */
  targetTrainError: number;
  learningRate: number;
  batchSize: number;
}

// Parameter counts against the training images N of each profile (profiles/data.ts):
//   smoke   N = 200:    widths 1-8   give 154 .. 2,674 parameters   (0.8 N .. 13 N; 2 seeds, 6 epochs: a test of the code)
//   preview N = 1,000:  widths 1-32  give 154 .. 31,402             (0.15 N .. 31 N)
//   cifar   N = 5,000:  widths 2-48  give 352 .. 67,834             (0.07 N .. 14 N)
//   paper   N = 50,000: widths 4-128 give 910 .. 457,354            (0.02 N .. 9 N)
// Nets that never fit run to the cap. In trial runs the width-16 preview nets needed 35-55
// epochs to fit (natural or shuffled labels), the width-32 ones about 20, hence the preview cap
// of 60; and as the nets that do not fit cost nearly as much per epoch as those that do, the
// preview has only five widths.
export const overparametrization: PerProfile<OverparametrizationSettings> = {
  smoke: { widths: [1, 4, 8], seeds: 2, maxEpochs: 6, targetTrainError: 0, learningRate: 0.05, batchSize: 20 },
  preview: { widths: [1, 4, 8, 16, 32], seeds: 3, maxEpochs: 60, targetTrainError: 0, learningRate: 0.05, batchSize: 50 },
  cifar: { widths: [2, 4, 8, 16, 32, 48], seeds: 3, maxEpochs: 150, targetTrainError: 0, learningRate: 0.01, batchSize: 100 },
  paper: { widths: [4, 8, 16, 32, 64, 96, 128], seeds: 3, maxEpochs: 200, targetTrainError: 0, learningRate: 0.01, batchSize: 100 },
};
