// What a training trajectory is, as data: where it starts, how it is kicked, how it trains and
// which random streams it draws from. An experiment step describes its trajectories with these
// and hands them to `runTrajectories`; the job that trains one runs in a worker process.
import type { Activation } from '../../engine/activation.ts';
import type { PreActivationStats } from '../../engine/model.ts';
import type { NetSettings } from '../../profiles/net.ts';
import type { Predictions } from './predictions.ts';

/**
 * A random stream is named by the path of what it serves, under the root seed (engine/random.ts):
 * a resumed run, or the same job on another worker, draws exactly the same numbers.
 */
export type Stream = Array<string | number>;

export type Start =
  /** a fresh random model from the stream */
  | { kind: 'init'; stream: Stream }
  /** the weights another trajectory of the same step saved at `epoch` */
  | { kind: 'trajectory'; name: string; epoch: number };

export type Optimizer =
  /** plain SGD, mini-batches in an order drawn per epoch from `<stream>/<epoch>/order` */
  | { kind: 'sgd'; learningRate: number; batchSize: number }
  /** full-batch gradient descent: one step per epoch on the gradient of the whole training set */
  | { kind: 'gd'; learningRate: number; chunkSize: number };

export type BnStatistics = 'calibration' | 'training-set';

export interface TrajectorySpec {
  /** unique within the step; names its checkpoint folder */
  name: string;
  net: NetSettings;
  /** the hidden layers' nonlinearity (default ReLU, the paper's net; engine/activation.ts) */
  activation?: Activation;
  start: Start;
  /** Gaussian noise of std scale x S added to every layer of the start (S: that layer's weight std) */
  perturb?: { scale: number; stream: Stream };
  optimizer: Optimizer;
  /** epochs trained; epochs 0 (the start) to `epochs` are saved */
  epochs: number;
  /**
   * the epochs the snapshot artifact keeps: every n-th (0, n, 2n, ...) and the last; default all.
   * For long runs whose path no figure draws (checkpoints still cover every epoch, for resume).
   */
  keepEvery?: number;
  /**
   * Stop early, after the first saved epoch whose training error is at or below this (0: every
   * training image classified correctly); `epochs` is then the cap.
   */
  until?: { trainError: number };
  /**
   * Train on (and report the training error against) the training labels permuted by a
   * permutation drawn from `shuffle`: every image keeps a label, the class counts stay the same,
   * and nothing but memorisation can fit them. Test labels are never touched.
   */
  labels?: { shuffle: Stream };
  /**
   * the batch-norm statistics every saved model is evaluated with: those of the calibration images
   * (default; engine/evaluate.ts), or those of the whole training set, which every full-batch GD
   * step normalizes with (engine/training-set-evaluation.ts). With a 'gd' optimizer, the pass that
   * evaluates a model then also gives the gradient of the step from it.
   */
  bnStatistics?: BnStatistics;
  /** the prefix of the per-epoch streams */
  stream: Stream;
  /** confusion matrices of train and test: none (default), the last saved epoch, or every one */
  confusion?: 'none' | 'last' | 'every';
  /** the predicted class of every train and test image: none (default) or at the last saved epoch */
  predictions?: 'none' | 'last';
  /** labels kept with the trajectory in the artifact (stage, trajectory, k, ...) */
  meta: Record<string, string | number>;
}

/** One saved model: the end of an epoch (epoch 0 is the trajectory's start). */
export interface EpochRecord {
  epoch: number;
  trainError: number;
  trainLoss: number;
  testError: number;
  testLoss: number;
  /** mean loss and error over the epoch's steps, while training (null at epoch 0) */
  runningLoss: number | null;
  runningError: number | null;
  /** row = true class, column = predicted, row-major 10 x 10 counts */
  confusion?: { train: number[]; test: number[] };
  /** one digit per image (predictions.ts), where the spec asks for them */
  predictions?: Predictions;
  /** for an activation fitted on an interval: what the epoch's training steps fed it (null at epoch 0) */
  preActivations?: PreActivationStats | null;
}

/** A trajectory stopped because its loss stopped being a finite number. */
export interface Divergence {
  /**
   * the epoch whose training produced the non-finite loss (its weights are not kept); 0 for a
   * trajectory never trained because the model it starts from diverged (see `startDiverged`)
   */
  epoch: number;
  /** the loss it reached, as text ('NaN', 'Infinity'): JSON has no such numbers */
  loss: string;
  /** set when it was never trained: the trajectory it starts from, which diverged first */
  startDiverged?: string;
}
