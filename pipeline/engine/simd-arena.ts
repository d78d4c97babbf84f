// Where the SIMD kernels keep tensors (simd-kernels.ts): the shared wasm memory of the pool
// (simd-pool.ts) past its control words, laid out per call by Layout. The wasm backend's
// tensors live in its own heap, which worker threads cannot see; so that they are not copied
// across on every call, tensors stay here between calls:
//  - `resident`: tensors whose data is here; a later call reads such an input in place;
//  - `deferred`: outputs not yet copied into the backend's heap; flush() copies one when
//    something other than these kernels is about to read it.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { size } from './kernel-provider.ts';
import { ARENA, type SimdPool } from './simd-pool.ts';

type Info = tf.TensorInfo;

/** the sgemm may read up to 8 floats past a matrix */
export const SLACK_BYTES = 32;

let pool: SimdPool | null = null;

/** The pool whose memory this is (set once the pool exists). */
export function useArenaOf(p: SimdPool): void {
  pool = p;
}

export function heapF32(backend: BackendWasm): Float32Array {
  return (backend.wasm as unknown as { HEAPF32: Float32Array }).HEAPF32;
}

export function offsetOf(backend: BackendWasm, info: Info): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset;
}

interface Interval {
  at: number;
  end: number;
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.at < b.end && b.at < a.end;
}

/**
 * The arena: first a scratch region for each call's temporaries (im2col chunks, partial sums),
 * the same bytes every call so that they stay in cache, then the ring of tensor buffers.
 */
const SCRATCH_BYTES = 16 * 2 ** 20;
/**
 * Bytes the ring of buffers cycles through before it wraps (grown to 4 times a call's largest
 * buffer); a training step of the paper's net at batch 100 cycles through about 50 MiB.
 */
const RING_BYTES = 128 * 2 ** 20;
let ringBytes = RING_BYTES;
/** Where the next call's buffers start, as an offset into the arena. */
let cursor = 0;

/**
 * Tensors whose data is in the arena, by dataId. Buffers are laid out in a ring: each call
 * takes its buffers from where the last one stopped and wraps to the start when the ring is
 * full, so the outputs of the last several dozen calls (a training step's activations) are
 * still there when the backward pass reads them, and are not copied in again. A buffer that a
 * call overwrites leaves the set.
 */
const resident = new Map<object, Interval>();
/**
 * At most this many, the least recently used leaving first: small tensors would otherwise
 * fill the ring by the thousand and make every call's bookkeeping slow; a training step's
 * activations and gradients are a few dozen.
 */
const MAX_RESIDENT = 128;

const RING = ARENA + SCRATCH_BYTES;

function span(bytes: number): number {
  return Math.ceil((bytes + SLACK_BYTES) / 16) * 16;
}

/**
 * Outputs not yet copied into the wasm backend's memory, by dataId. Their data is in the arena
 * (they are resident), and in a training step mostly only our kernels read them, from there.
 * Everything else that reads a tensor of the wasm backend goes through flush() first: every
 * other kernel on 'wasm' (wrapped when the provider is activated), the backend's readSync and
 * read, and a call that is about to overwrite the buffer in the arena.
 */
const deferred = new Map<object, { backend: BackendWasm; at: number; n: number }>();

/**
 * The buffers of one call in the arena, 16-byte aligned, each followed by slack: the inputs
 * already resident stay where they are, everything else is taken from the ring around them.
 */
export class Layout {
  /** this call's resident inputs: never overwritten by its own buffers */
  private readonly pinned: Interval[] = [];
  private readonly taken: Interval[] = [];
  private readonly copies: Array<{ info: Info; at: number }> = [];
  private readonly kept = new Map<object, Interval>();
  private readonly outputs = new Map<object, Interval>();
  private scratchTop = 0;

  constructor(private readonly backend: BackendWasm, inputs: Info[]) {
    for (const info of inputs) {
      const found = resident.get(info.dataId);
      if (found && found.end - found.at === span(size(info.shape) * 4) && !this.kept.has(info.dataId)) {
        this.kept.set(info.dataId, found);
        this.pinned.push(found);
      }
    }
  }

  /** A temporary of `bytes` for this call only; returns its address. */
  scratch(bytes: number): number {
    const length = span(bytes);
    if (this.scratchTop + length > SCRATCH_BYTES) return this.take(bytes);
    const at = this.scratchTop;
    this.scratchTop += length;
    return ARENA + at;
  }

  /** A new buffer of `bytes` in the ring; returns its address. */
  take(bytes: number): number {
    const length = span(bytes);
    ringBytes = Math.max(ringBytes, 4 * length);
    let at = cursor;
    for (let wrapped = false; ;) {
      if (at + length > ringBytes) {
        if (wrapped) throw new Error(`simd kernels: a call needs more than the ${ringBytes >> 20} MiB ring`);
        at = 0;
        wrapped = true;
      }
      const clash = this.pinned.find((p) => overlaps(p, { at, end: at + length }));
      if (!clash) break;
      at = clash.end;
    }
    const interval = { at, end: at + length };
    this.taken.push(interval);
    cursor = interval.end;
    return RING + at;
  }

  /** Where an input's data will be: its resident buffer, or a new one that commit() fills. */
  input(info: Info): number {
    const found = this.kept.get(info.dataId);
    if (found) return RING + found.at;
    const at = this.take(size(info.shape) * 4);
    this.copies.push({ info, at });
    this.kept.set(info.dataId, this.taken[this.taken.length - 1]!);
    return at;
  }

  /** Reserves the memory laid out and copies in the inputs that were not resident. */
  commit(p: SimdPool): void {
    let top = 0;
    for (const t of this.taken) top = Math.max(top, t.end);
    for (const t of this.pinned) top = Math.max(top, t.end);
    p.reserve(RING - ARENA + top);
    // outputs still only in the arena go to the backend before this call overwrites them
    for (const [id, interval] of resident) {
      if (deferred.has(id) && this.taken.some((t) => overlaps(t, interval))) flush(id);
    }
    const heap = heapF32(this.backend);
    for (const { info, at } of this.copies) {
      const from = offsetOf(this.backend, info) >> 2;
      p.f32.set(heap.subarray(from, from + size(info.shape)), at >> 2);
      counters.copiedInBytes += size(info.shape) * 4;
    }
  }

  /**
   * A new float32 tensor of the wasm backend whose data is at `at` in the arena; it becomes
   * resident, and is copied into the backend's memory only when something else reads it.
   */
  output(shape: number[], at: number): Info {
    const out = this.backend.makeOutput(shape, 'float32');
    const n = size(shape);
    deferred.set(out.dataId, { backend: this.backend, at, n });
    this.outputs.set(out.dataId, { at: at - RING, end: at - RING + span(n * 4) });
    return out;
  }

  /** After the call: forget what its buffers overwrote, remember its inputs and outputs. */
  finish(): void {
    for (const [id, interval] of resident) {
      if (this.taken.some((t) => overlaps(t, interval)) && !this.kept.has(id)) resident.delete(id);
    }
    for (const entries of [this.kept, this.outputs]) {
      for (const [id, interval] of entries) {
        resident.delete(id); // to the end: most recently used
        resident.set(id, interval);
      }
    }
    for (const id of resident.keys()) {
      if (resident.size <= MAX_RESIDENT) break;
      flush(id);
      resident.delete(id);
    }
    counters.calls++;
  }
}

export function flush(dataId: object): void {
  const pending = deferred.get(dataId);
  if (!pending) return;
  deferred.delete(dataId);
  // disposed meanwhile: nothing to write (has(), since get() of an unknown id asks the engine to move data)
  if (!pending.backend.dataIdMap.has(dataId)) return;
  const to = pending.backend.dataIdMap.get(dataId)!.memoryOffset >> 2;
  heapF32(pending.backend).set(pool!.f32.subarray(pending.at >> 2, (pending.at >> 2) + pending.n), to);
  counters.copiedOutBytes += pending.n * 4;
}

export function flushInputs(inputs: tf.NamedTensorInfoMap): void {
  if (deferred.size === 0) return;
  for (const info of Object.values(inputs)) if (info) flush(info.dataId);
}

export function flushAll(): void {
  for (const id of [...deferred.keys()]) flush(id);
}

/** Forgets every tensor kept here, after copying out what is deferred (the provider is turned off). */
export function releaseAll(): void {
  flushAll();
  resident.clear();
}

/** What the kernels moved between the wasm backend's memory and theirs (tests and benchmarks). */
const counters = { calls: 0, copiedInBytes: 0, copiedOutBytes: 0 };

export function simdCounters(): { calls: number; copiedInBytes: number; copiedOutBytes: number } {
  return { ...counters };
}

/** Runs one kernel call; if it throws, nothing in the arena is trusted any more. */
export function withArena<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    // buffers this call did not take are intact: deferred outputs still copy out from them
    flushAll();
    resident.clear();
    throw error;
  }
}
