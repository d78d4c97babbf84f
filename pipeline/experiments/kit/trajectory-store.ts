// Per-epoch checkpoints of one training trajectory, in a step's scratch folder.
//
// After each epoch the model's weights (all layers, one Float32 file) and that epoch's record
// (JSON) are written, each to `<name>.tmp` and renamed into place, the record last: a record on
// disk means its epoch is complete. A killed run resumes from the last complete epoch, and since
// every random stream is named by (trajectory, epoch), it continues exactly as if it had never
// stopped. A trajectory whose loss stopped being finite gets a `diverged.json`, also written last.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../../artifacts.ts';
import { layerShapes, layerSize, type Weights } from '../../engine/net.ts';
import { flattenAll } from '../../engine/weights.ts';
import type { Divergence } from './trajectory.ts';

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

  async save(epoch: number, weights: Weights, record: R): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const flat = flattenAll(weights);
    await atomicWrite(this.path(epoch, 'f32'), new Uint8Array(flat.buffer, flat.byteOffset, flat.byteLength));
    await atomicWrite(this.path(epoch, 'json'), JSON.stringify(record));
  }

  /** The record of `epoch`, or null when that epoch has not completed. */
  async record(epoch: number): Promise<R | null> {
    try {
      return JSON.parse(await readFile(this.path(epoch, 'json'), 'utf8')) as R;
    } catch {
      return null;
    }
  }

  async weights(epoch: number): Promise<Weights> {
    const bytes = await readFile(this.path(epoch, 'f32'));
    const flat = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(flat.buffer).set(bytes);
    const out: Weights = [];
    let offset = 0;
    for (const shape of layerShapes(this.width)) {
      const n = layerSize(shape);
      out.push(flat.slice(offset, offset + n));
      offset += n;
    }
    if (offset !== flat.length) throw new Error(`${this.path(epoch, 'f32')}: ${flat.length} weights, expected ${offset}`);
    return out;
  }

  /** The number of leading epochs (0, 1, 2, ...) that are complete. */
  async completed(maxEpochs: number): Promise<number> {
    let n = 0;
    while (n < maxEpochs && (await this.record(n)) !== null) n++;
    return n;
  }

  async markDiverged(divergence: Divergence): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await atomicWrite(join(this.dir, 'diverged.json'), JSON.stringify(divergence));
  }

  async diverged(): Promise<Divergence | null> {
    try {
      return JSON.parse(await readFile(join(this.dir, 'diverged.json'), 'utf8')) as Divergence;
    } catch {
      return null;
    }
  }
}
