// Swapping a backend's kernels for our own and back: what the kernel providers on 'wasm'
// (native-kernels.ts, simd-kernels.ts) share, with the self-test each runs before it keeps
// its kernels.
import * as tf from '@tensorflow/tfjs';

/** Kernels registered in place of a backend's own, which are remembered: to delegate to, and to restore. */
export class KernelSwap {
  private readonly replaced = new Map<string, tf.KernelConfig | undefined>();
  private readonly ours = new Map<string, tf.KernelFunc>();

  constructor(private readonly backend: string) {}

  /** Registers each kernel under its name; a name already swapped for ours is left as it is. */
  install(kernels: Record<string, tf.KernelFunc>): void {
    for (const [name, kernelFunc] of Object.entries(kernels)) {
      const current = tf.getKernel(name, this.backend);
      if (current && current.kernelFunc === this.ours.get(name)) continue;
      if (!this.replaced.has(name)) this.replaced.set(name, current);
      if (current) tf.unregisterKernel(name, this.backend);
      this.ours.set(name, kernelFunc);
      tf.registerKernel({ ...current, kernelName: name, backendName: this.backend, kernelFunc });
    }
  }

  /** The kernel that ours replaced under `name` (undefined where there was none). */
  original(name: string): tf.KernelConfig | undefined {
    return this.replaced.get(name);
  }

  get names(): string[] {
    return [...this.replaced.keys()];
  }

  /** Puts back what was replaced, and removes what had no predecessor. */
  restore(): void {
    for (const [name, config] of this.replaced) {
      if (tf.getKernel(name, this.backend)) tf.unregisterKernel(name, this.backend);
      if (config) tf.registerKernel(config);
    }
    this.replaced.clear();
    this.ours.clear();
  }
}

/** ||a - b|| / ||b|| over whole arrays (Infinity when the lengths differ). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** Throws, naming the first output that differs, when ours and the reference disagree beyond `tolerance`. */
export function compareSelfTest(names: string[], ours: tf.Tensor[], reference: tf.Tensor[], tolerance = 1e-4): void {
  names.forEach((what, i) => {
    const err = relativeError(ours[i]!.dataSync(), reference[i]!.dataSync());
    if (!(err < tolerance)) throw new Error(`self-test: ${what} differs from the wasm kernel (relative error ${err.toExponential(2)})`);
  });
}
