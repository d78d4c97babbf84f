// The short timing behind --plan's estimates: on this machine's engine, with one kernel thread as a
// training worker has, the seconds per training image of an SGD step (batch 100) at each width
// the plan trains, and of exact full-batch GD where it runs in chunks. Random images: the speed
// of a step does not depend on what the images show.
import type { TrainingKind } from './estimate.ts';

const IMAGES = 200;
const BATCH = 100;

export interface Timing {
  /** seconds per image and epoch, by `${width}/${kind}` */
  secondsPerImage: Map<string, number>;
  /** seconds from this process's start to a loaded engine: what each Slurm task pays first */
  startup: number;
  engine: string;
}

export const timingKey = (width: number, kind: TrainingKind): string => `${width}/${kind}`;

export async function measure(needs: Array<{ width: number; kind: TrainingKind }>): Promise<Timing> {
  // a training worker's threads (pool.ts): the estimate is per worker
  process.env.LANDSCAPE_NATIVE_THREADS = '1';
  process.env.LANDSCAPE_SIMD_THREADS = '1';
  process.env.OPENBLAS_NUM_THREADS = '1';
  const { initEngine } = await import('../engine/backend.ts');
  const info = await initEngine();
  const startup = process.uptime();
  const { Net } = await import('../engine/model.ts');
  const { initWeights } = await import('../engine/net.ts');
  const { Rng } = await import('../engine/random.ts');
  const { sgdEpoch } = await import('../engine/train.ts');
  const { chunkedGradient } = await import('../engine/full-batch.ts');
  const tf = await import('@tensorflow/tfjs');
  const rng = new Rng('plan-timing');
  const split = { images: rng.normalArray(IMAGES * 3072), labels: Int32Array.from({ length: IMAGES }, () => rng.int(10)), count: IMAGES };
  const order = rng.permutation(IMAGES);
  const secondsPerImage = new Map<string, number>();
  for (const { width, kind } of needs) {
    if (secondsPerImage.has(timingKey(width, kind))) continue;
    const net = new Net(width, initWeights(width, new Rng('plan-timing', width)));
    // sgd and one-pass GD cost about the same per image (README, the engine); chunked GD is timed
    const pass = async (): Promise<void> => {
      if (kind === 'gd-chunked') tf.dispose((await chunkedGradient(net, split, BATCH)).grads);
      else await sgdEpoch(net, split, 0.01, BATCH, order);
    };
    await pass(); // warm-up: kernels compiled, memory in place
    const started = performance.now();
    await pass();
    secondsPerImage.set(timingKey(width, kind), (performance.now() - started) / 1000 / IMAGES);
    net.dispose();
  }
  return { secondsPerImage, startup, engine: [info.backend, info.kernels].filter(Boolean).join(', ') };
}
