// The job block: the calling thread writes a job's parameters here (i32 words) and every
// thread reads them. Word 0 is the operation; the rest is laid out per operation below and in
// pipeline/engine/simd-kernels.ts, which writes them.

@inline
export function word(job: usize, i: i32): i32 {
  return load<i32>(job + (<usize>i << 2));
}

@inline
export function ptr(job: usize, i: i32): usize {
  return <usize>load<u32>(job + (<usize>i << 2));
}

/** [begin, end) of `count` items for thread `t` of `threads`, in whole multiples of `unit`. */
@inline
export function shareOf(count: i32, unit: i32, t: i32, threads: i32): i64 {
  const units = (count + unit - 1) / unit;
  const u0 = <i32>((<i64>units * t) / threads);
  const u1 = <i32>((<i64>units * (t + 1)) / threads);
  const begin = min(count, u0 * unit);
  const end = min(count, u1 * unit);
  return (<i64>begin << 32) | <i64>end;
}

@inline
export function shareBegin(share: i64): i32 {
  return <i32>(share >> 32);
}

@inline
export function shareEnd(share: i64): i32 {
  return <i32>(share & 0xffffffff);
}
