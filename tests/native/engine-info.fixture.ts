// Run by fallback.test.ts in a child process (the environment decides the engine): prints the
// predicted fingerprint and what initEngine() gives, after one small training step, as JSON.
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../pipeline/engine/backend.ts';
import { predictFingerprint } from '../../pipeline/engine/fingerprint.ts';

const predicted = predictFingerprint();
try {
  const info = await initEngine();
  // the engine must compute: a convolution and its gradient
  const loss = tf.tidy(() => {
    const x = tf.ones([2, 8, 8, 3]) as tf.Tensor4D;
    const f = tf.variable(tf.fill([3, 3, 3, 4], 0.1) as tf.Tensor4D);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.conv2d(x, f as unknown as tf.Tensor4D, 2, 'same'))) as tf.Scalar, [f]);
    return value.dataSync()[0]! + tf.sum(Object.values(grads)[0]!).dataSync()[0]!;
  });
  console.log(JSON.stringify({ predicted, info, activeBackend: tf.getBackend(), loss }));
} catch (error) {
  console.log(JSON.stringify({ predicted, error: String((error as Error).message ?? error) }));
}
