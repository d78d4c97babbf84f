import type { PerProfile } from './names.ts';

/** E4: batch gradient descent with kicked branches (FIGURES.md, Figure 4 of the paper). */
export interface BgdBranchesSettings {
  /** epochs of the main trajectory (one full-batch step each); every branch continues to this same epoch */
  epochs: number;
  learningRate: number;
  /** images per pass when the training set is too large for one (engine/full-batch.ts) */
  chunkSize: number;
  /** epochs of the main trajectory at which branches leave it (the paper's 0, 10, 50, 200, scaled) */
  branchEpochs: number[];
  /** the branches' noise std, as multiples of each layer's weight std; the first is Figure 4's */
  noise: number[];
  /** the MDS maps take every n-th epoch of each trajectory (and its last) */
  mapEvery: number;
  /** the averages of branch and main are evaluated at every n-th epoch of the branch (and its last) */
  averageEvery: number;
}

// The paper gives the branch epochs and the noise, but neither BGD's learning rate nor how long
// the main trajectory runs; its caption implies more than 200 epochs. These are our choices. With
// batch norm the hidden layers' scale does not matter, so the step size mostly sets the last
// layer's; at 0.5 the preview's main trajectory reaches zero training error at about epoch 180 and
// stays there (at 0.1 it takes about 250 epochs). `preview` scales the paper's branch epochs by
// 2/3 and stops at 200 epochs, when its training is over; `paper` and `cifar` run twice the last
// branch epoch, as we cannot check here when CIFAR-10 training ends. `smoke` does not train to the
// end: it keeps the pipeline's tests fast.
const paperSettings: BgdBranchesSettings = {
  epochs: 400,
  learningRate: 0.5,
  chunkSize: 1000,
  branchEpochs: [0, 10, 50, 200],
  noise: [0.25, 0.5, 1.0],
  mapEvery: 5,
  averageEvery: 1,
};

export const bgdBranches: PerProfile<BgdBranchesSettings> = {
  smoke: { ...paperSettings, epochs: 12, branchEpochs: [0, 1, 2, 8], mapEvery: 1 },
  // preview evaluates the averages only at the epochs its maps show, a quarter of them
  preview: { ...paperSettings, epochs: 200, branchEpochs: [0, 7, 33, 133], mapEvery: 4, averageEvery: 4 },
  cifar: { ...paperSettings, chunkSize: 500 },
  paper: paperSettings,
};
