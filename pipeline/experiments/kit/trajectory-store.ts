// Per-epoch checkpoints of one training trajectory, in a step's scratch folder.
//
// Invariant: a record on disk whose digest holds names a complete epoch, and the weights file
// beside it has exactly the SHA-256 and size the record states. After each epoch the model's
// weights (all layers, one Float32 file) and then that epoch's record (JSON with a digest, the
// weights' hash inside) are written, each to a temporary file renamed into place: the record last.
// A killed run resumes from the last complete epoch, and since every random stream is named by
// (trajectory, epoch), it continues exactly as if it had never stopped. A damaged checkpoint (a
// record or weights file changed, cut short or gone) is found when the trajectory resumes: it and
// every later epoch are removed and trained again from the epoch before. A trajectory whose loss
// stopped being finite gets a `diverged.json` (with a digest too), also written last.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from '../../atomic-write.ts';
import { parseWithDigest, withDigest } from '../../digest.ts';
import { layerShapes, layerSize, type Weights } from '../../engine/net.ts';
import { flattenAll } from '../../engine/weights.ts';
import { trace } from '../../trace.ts';
import type { Divergence } from './trajectory.ts';

/** A checkpoint that is there but not what was written. */
export class DamagedCheckpoint extends Error {}

interface RecordFile<R> {
  record: R;
  weights: { sha256: string; bytes: number };
}

const DIVERGED = 'diverged.json';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class TrajectoryStore<R> {
  private readonly dir: string;

  constructor(
    scratchDir: string,
    readonly name: string,
    private readonly width: number,
  ) {
    this.dir = join(scratchDir, name);
  }

  private path(epoch: number, ext: 'f32' | 'json'): string {
    return join(this.dir, `epoch-${String(epoch).padStart(4, '0')}.${ext}`);
  }

  /** How a checkpoint is named in messages: trajectory and epoch. */
  label(epoch: number): string {
    return `checkpoint ${this.name}/epoch-${String(epoch).padStart(4, '0')}`;
  }

  async save(epoch: number, weights: Weights, record: R): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const flat = flattenAll(weights);
    const bytes = new Uint8Array(flat.buffer, flat.byteOffset, flat.byteLength);
    await writeAtomic(this.path(epoch, 'f32'), bytes);
    trace('checkpoint-weights', `${this.name} ${epoch}`);
    const file: RecordFile<R> = { record, weights: { sha256: sha256(bytes), bytes: bytes.byteLength } };
    await writeAtomic(this.path(epoch, 'json'), JSON.stringify(withDigest(file)));
    trace('checkpoint-record', `${this.name} ${epoch}`);
  }

  private async recordFile(epoch: number): Promise<RecordFile<R> | null> {
    let text: string;
    try {
      text = await readFile(this.path(epoch, 'json'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const parsed = parseWithDigest<RecordFile<R>>(text);
    if (!parsed.ok) throw new DamagedCheckpoint(`${this.label(epoch)}: its record is damaged (${parsed.reason})`);
    return parsed.value;
  }

  /** The record of `epoch`, or null when that epoch has not completed; a damaged record throws. */
  async record(epoch: number): Promise<R | null> {
    return (await this.recordFile(epoch))?.record ?? null;
  }

  /** The weights saved at `epoch`, checked against the hash its record states. */
  async weights(epoch: number): Promise<Weights> {
    const file = await this.recordFile(epoch);
    if (!file) throw new Error(`${this.label(epoch)} does not exist`);
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path(epoch, 'f32'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DamagedCheckpoint(`${this.label(epoch)}: its weights file is missing`);
      throw error;
    }
    if (bytes.byteLength !== file.weights.bytes) {
      throw new DamagedCheckpoint(`${this.label(epoch)}: its weights file has ${bytes.byteLength} bytes, its record says ${file.weights.bytes}`);
    }
    if (sha256(bytes) !== file.weights.sha256) throw new DamagedCheckpoint(`${this.label(epoch)}: its weights do not match the SHA-256 in its record`);
    const flat = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(flat.buffer).set(bytes);
    const out: Weights = [];
    let offset = 0;
    for (const shape of layerShapes(this.width)) {
      const n = layerSize(shape);
      out.push(flat.slice(offset, offset + n));
      offset += n;
    }
    if (offset !== flat.length) throw new DamagedCheckpoint(`${this.label(epoch)}: ${flat.length} weights, expected ${offset} for width ${this.width}`);
    return out;
  }

  /**
   * The number of leading epochs (0, 1, 2, ...) that are complete and intact, each checked. At the
   * first damaged one, it and every later file of the trajectory are removed, and `damaged` says
   * what was wrong, in one line.
   */
  async resume(maxEpochs: number): Promise<{ completed: number; damaged: string | null }> {
    let n = 0;
    try {
      while (n < maxEpochs && (await this.recordFile(n)) !== null) {
        await this.weights(n);
        n++;
      }
      // a missing record followed by a later one: a checkpoint was deleted
      const later = await this.recordFile(n + 1).catch(() => null);
      if (n < maxEpochs && later) throw new DamagedCheckpoint(`${this.label(n)} is missing while epoch ${n + 1} is there`);
      return { completed: n, damaged: null };
    } catch (error) {
      if (!(error instanceof DamagedCheckpoint)) throw error;
      for (let e = n; e <= maxEpochs; e++) {
        await rm(this.path(e, 'json'), { force: true });
        await rm(this.path(e, 'f32'), { force: true });
      }
      await rm(join(this.dir, DIVERGED), { force: true });
      return { completed: n, damaged: `${error.message}; trained again from ${n === 0 ? 'its start' : `epoch ${n - 1}`}` };
    }
  }

  async markDiverged(divergence: Divergence): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeAtomic(join(this.dir, DIVERGED), JSON.stringify(withDigest({ divergence })));
  }

  /** Where the trajectory diverged, or null; a damaged marker is removed and reported as null. */
  async diverged(): Promise<Divergence | null> {
    let text: string;
    try {
      text = await readFile(join(this.dir, DIVERGED), 'utf8');
    } catch {
      return null;
    }
    const parsed = parseWithDigest<{ divergence: Divergence }>(text);
    if (!parsed.ok) {
      await rm(join(this.dir, DIVERGED), { force: true });
      throw new DamagedCheckpoint(`${this.name}/${DIVERGED} is damaged (${parsed.reason}); trained again to find where it diverges`);
    }
    return parsed.value.divergence;
  }
}
