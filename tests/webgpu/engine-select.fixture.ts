// Run by selection.test.ts in a child process (the environment decides the engine): prints, as
// one JSON line, the predicted fingerprint (or its error), what initEngine() gives (or its error)
// after a convolution and its gradient computed on it, and the default number of workers.
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../pipeline/engine/backend.ts';
import { fingerprintOf, predictFingerprint, sameFingerprint, type EngineFingerprint } from '../../pipeline/engine/fingerprint.ts';
import { defaultJobs } from '../../pipeline/figures-command.ts';

const out: Record<string, unknown> = {};
let predicted: EngineFingerprint | null = null;
try {
  predicted = predictFingerprint();
  out.predicted = predicted;
  out.jobs = defaultJobs(predicted);
  out.dawnLoadedByPrediction = 'GPUBufferUsage' in globalThis;
} catch (error) {
  out.predictError = (error as Error).message;
}
try {
  const info = await initEngine();
  const [value, gradSum] = tf.tidy(() => {
    const x = tf.ones([2, 8, 8, 3]) as tf.Tensor4D;
    const f = tf.variable(tf.fill([3, 3, 3, 4], 0.1) as tf.Tensor4D);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.conv2d(x, f as unknown as tf.Tensor4D, 2, 'same'))) as tf.Scalar, [f]);
    return [value, tf.sum(Object.values(grads)[0]!)];
  });
  out.info = info;
  out.activeBackend = tf.getBackend();
  out.loss = (await value!.data())[0]! + (await gradSum!.data())[0]!;
  out.samePrediction = predicted ? sameFingerprint(predicted, fingerprintOf(info)) : null;
} catch (error) {
  out.initError = (error as Error).message;
}
console.log(`RESULT ${JSON.stringify(out)}`);
