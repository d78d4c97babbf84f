// The module's entry points. `work` runs one thread's share of the job in the job block; the
// calling thread and the pool's workers (pipeline/engine/simd-pool.ts) all call it with their
// own thread index. Everything lives in the imported shared memory at addresses the caller
// hands over: the module has no data segment, heap or stack of its own in linear memory, so
// any number of threads can run it at once.
import { convFilterGradient, convForward, convInputGradient } from './conv';
import { gradApply, gradMoments, moments, normalizeRelu } from './bn';
import { word } from './job';

export { gemm } from './gemm';
export { pieceMeans } from './bn';

/** 1 in the relaxed-SIMD build (fused multiply-add), 0 in the plain one */
export const FMA: i32 = ASC_FEATURE_RELAXED_SIMD ? 1 : 0;

export const OP_CONV_FORWARD: i32 = 1;
export const OP_CONV_INPUT_GRADIENT: i32 = 2;
export const OP_CONV_FILTER_GRADIENT: i32 = 3;
export const OP_MOMENTS: i32 = 4;
export const OP_NORMALIZE_RELU: i32 = 5;
export const OP_GRAD_MOMENTS: i32 = 6;
export const OP_GRAD_APPLY: i32 = 7;

export function work(job: usize, t: i32, threads: i32): void {
  switch (word(job, 0)) {
    case OP_CONV_FORWARD: convForward(job, t, threads); break;
    case OP_CONV_INPUT_GRADIENT: convInputGradient(job, t, threads); break;
    case OP_CONV_FILTER_GRADIENT: convFilterGradient(job, t, threads); break;
    case OP_MOMENTS: moments(job, t, threads); break;
    case OP_NORMALIZE_RELU: normalizeRelu(job, t, threads); break;
    case OP_GRAD_MOMENTS: gradMoments(job, t, threads); break;
    case OP_GRAD_APPLY: gradApply(job, t, threads); break;
    default: unreachable();
  }
}
