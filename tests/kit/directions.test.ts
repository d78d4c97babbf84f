// The kit's random directions and predictions: a filter-normalized direction has, filter by filter,
// the norm of the model's filter and no bias component; it is the same draw in every process; a
// model plus t times it is built from files like any other derived model; predictions round-trip
// as text and two sets of them are compared image by image.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initWeights, kernelSize, layerShapes } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { filterNormalizedDirection } from '../../pipeline/engine/weights.ts';
import { alongDirection, mixModels } from '../../pipeline/experiments/kit/models.ts';
import { disagreement, encodePredictions } from '../../pipeline/experiments/kit/predictions.ts';
import { TrajectoryStore } from '../../pipeline/experiments/kit/trajectory-store.ts';

const WIDTH = 4;
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** The norm of each filter (output channel) of a layer's kernel, HWIO order. */
function filterNorms(layer: Float32Array, filters: number, size: number): number[] {
  const sq = new Array<number>(filters).fill(0);
  for (let i = 0; i < size; i++) sq[i % filters] += layer[i]! * layer[i]!;
  return sq.map(Math.sqrt);
}

describe('random filter-normalized directions', () => {
  const model = initWeights(WIDTH, new Rng(3, 'model'));

  it('match the model filter by filter, with no bias component', () => {
    const d = filterNormalizedDirection(model, new Rng(3, 'direction'));
    layerShapes(WIDTH).forEach((shape, l) => {
      const size = kernelSize(shape);
      const filters = shape.kernel[3];
      const want = filterNorms(model[l]!, filters, size);
      filterNorms(d[l]!, filters, size).forEach((n, f) => expect(n).toBeCloseTo(want[f]!, 4));
      expect(Array.from(d[l]!.subarray(size))).toEqual(new Array(d[l]!.length - size).fill(0));
    });
    // a direction, not the model: nearly orthogonal to it
    const flat = (w: Float32Array[]) => w.flatMap((l) => Array.from(l));
    const [a, b] = [flat(model), flat(d)];
    const cos = a.reduce((s, x, i) => s + x * b[i]!, 0) / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
    expect(Math.abs(cos)).toBeLessThan(0.2);
  });

  it('are the same draw for the same stream, and are built from files as derived models', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-directions-'));
    dirs.push(dir);
    const store = new TrajectoryStore(dir, 'centre', WIDTH);
    await store.save(0, model, { epoch: 0 });
    const centre = { kind: 'checkpoint' as const, scratchDir: dir, trajectory: 'centre', width: WIDTH, epoch: 0 };
    const direction = { seed: 9, stream: ['toy', 'direction', 1] };
    const d = filterNormalizedDirection(model, new Rng(9, 'toy', 'direction', 1));
    const atZero = await mixModels(alongDirection(centre, direction, 0));
    atZero.forEach((l, i) => expect(Array.from(l)).toEqual(Array.from(model[i]!)));
    const atHalf = await mixModels(alongDirection(centre, direction, 0.5));
    atHalf.forEach((l, i) => l.forEach((v, j) => expect(v).toBeCloseTo(model[i]![j]! + 0.5 * d[i]![j]!, 6)));
    const other = await mixModels(alongDirection(centre, { seed: 9, stream: ['toy', 'direction', 2] }, 0.5));
    expect(Array.from(other[0]!)).not.toEqual(Array.from(atHalf[0]!));
  });
});

describe('predictions', () => {
  it('are kept as one digit per image and compared image by image', () => {
    const a = encodePredictions(Uint8Array.from([0, 9, 3, 3]));
    expect(a).toBe('0933');
    expect(disagreement(a, '0934')).toBe(0.25);
    expect(disagreement(a, a)).toBe(0);
    expect(() => disagreement(a, '09')).toThrow(/cannot be compared/);
  });
});
