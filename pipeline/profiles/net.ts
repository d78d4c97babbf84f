import type { PerProfile } from './names.ts';

/** The paper's DCNN: five 3x3 stride-2 convolutions, batch norm without shift/scale, ReLU. */
export interface NetSettings {
  /** channels of each hidden convolution (the last one gives the 10 logits) */
  width: number;
  /** added to the variance in batch norm */
  bnEpsilon: number;
  /**
   * Training images (the first N of the training set) whose statistics batch norm uses when a
   * model is evaluated; the same set for every model, so averaged or perturbed models are
   * evaluated exactly like trained ones.
   */
  bnCalibration: number;
  /** images per forward pass during evaluation (memory, not numbers) */
  evalBatch: number;
}

export const net: PerProfile<NetSettings> = {
  smoke: { width: 8, bnEpsilon: 1e-5, bnCalibration: 200, evalBatch: 500 },
  preview: { width: 16, bnEpsilon: 1e-5, bnCalibration: 500, evalBatch: 500 },
  cifar: { width: 48, bnEpsilon: 1e-5, bnCalibration: 1000, evalBatch: 500 },
  // width 80: about 182k weights, overparametrized with respect to 50k images as in the paper
  paper: { width: 80, bnEpsilon: 1e-5, bnCalibration: 2000, evalBatch: 1000 },
};
