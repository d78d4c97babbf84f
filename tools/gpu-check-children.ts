// What gpu-check measures in its child processes (`landscape gpu-check --child <task> ...`), each
// on the backend its environment forces, printing one `GPU-CHECK {json}` line:
//  - gradients: the paper net's loss and gradients on that backend and on the wasm path;
//  - train <batch> <seconds>: training images/s of the paper net (plain SGD as in train.ts).
import * as tf from '@tensorflow/tfjs';
import { adapterLabel } from '../pipeline/engine/gpu-probe.ts';
import { initEngine, loadWasm } from '../pipeline/engine/backend.ts';
import { relativeError } from '../pipeline/engine/kernel-swap.ts';
import { lossAndGradients, Net, type Split } from '../pipeline/engine/model.ts';
import { initWeights } from '../pipeline/engine/net.ts';
import { Rng } from '../pipeline/engine/random.ts';
import { sgdEpoch } from '../pipeline/engine/train.ts';
import { GRADIENT_IMAGES, MARK, WIDTH } from './gpu-check.ts';

/** at most this many distinct images per timed epoch (host memory and generation time at large batches) */
const MAX_EPOCH_IMAGES = 20_000;

function randomSplit(count: number, seed: string): Split {
  const rng = new Rng(seed);
  return { images: rng.normalArray(count * 3072), labels: Int32Array.from({ length: count }, () => rng.int(10)), count };
}

/** The loss (as a one-element array) and every gradient of the paper net, on the active backend. */
async function netGradients(split: Split): Promise<Float32Array[]> {
  const net = new Net(WIDTH, initWeights(WIDTH, new Rng('gpu-check-weights')));
  try {
    const { loss, gradients } = await lossAndGradients(net, split.images, split.labels);
    return [Float32Array.of(loss), ...gradients];
  } finally {
    net.dispose();
  }
}

async function gradients(): Promise<void> {
  const info = await initEngine();
  const data = randomSplit(GRADIENT_IMAGES, 'gpu-check-gradients');
  const ours = await netGradients(data);
  const wasm = await loadWasm();
  if (tf.getBackend() !== 'wasm') throw new Error('the wasm reference did not load');
  const reference = await netGradients(data);
  const errors = ours.map((g, i) => relativeError(g, reference[i]!));
  console.log(MARK + JSON.stringify({ engine: info.backend, adapter: info.adapter, reference: wasm.kernels, errors }));
}

async function train(batch: number, seconds: number): Promise<void> {
  const info = await initEngine();
  const net = new Net(WIDTH, initWeights(WIDTH, new Rng('gpu-check-train')));
  const one = randomSplit(batch, 'gpu-check-one');
  const identity = Int32Array.from({ length: batch }, (_, i) => i);
  // warm-up (shader compilation, allocations), then one timed step to size the measurement
  await sgdEpoch(net, one, 0.01, batch, identity);
  let t = performance.now();
  await sgdEpoch(net, one, 0.01, batch, identity);
  const stepSeconds = (performance.now() - t) / 1000;
  const device = info.adapter ? adapterLabel(info.adapter) : `${info.provider} (${info.kernels})`;
  const report = (steps: number, elapsed: number) =>
    console.log(MARK + JSON.stringify({ engine: info.backend, batch, steps, seconds: elapsed, imagesPerSecond: (steps * batch) / elapsed, device }));
  if (stepSeconds >= seconds / 2) {
    // a slow device (a software adapter): that step is the measurement
    net.dispose();
    return report(1, stepSeconds);
  }
  // epochs of up to 20 steps (one read-back at the end of each, as in training), repeated while
  // another one fits in `seconds`
  const perEpoch = Math.max(1, Math.min(20, Math.floor(MAX_EPOCH_IMAGES / batch), Math.round(seconds / Math.max(stepSeconds, 1e-3))));
  const split = perEpoch === 1 ? one : randomSplit(batch * perEpoch, 'gpu-check-many');
  const order = Int32Array.from({ length: split.count }, (_, i) => i);
  let epochs = 0;
  let elapsed = 0;
  t = performance.now();
  do {
    await sgdEpoch(net, split, 0.01, batch, order);
    epochs++;
    elapsed = (performance.now() - t) / 1000;
  } while (elapsed * (1 + 1 / epochs) <= seconds && epochs < 10_000);
  net.dispose();
  report(epochs * perEpoch, elapsed);
}

export async function childTask(argv: string[]): Promise<void> {
  const [task, ...rest] = argv;
  if (task === 'gradients') return gradients();
  if (task === 'train') return train(Number(rest[0]), Number(rest[1]));
  throw new Error(`unknown child task ${task}`);
}
