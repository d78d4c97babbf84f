// Checkpoints carry hashes: a weights file or record that was changed, cut short or deleted is
// found when the trajectory resumes, named in one line, and it and every later epoch are
// removed, to be trained again from the last intact epoch.
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initWeights } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { DamagedCheckpoint, TrajectoryStore } from '../../pipeline/experiments/kit/trajectory-store.ts';

const WIDTH = 3;
let dir: string;
let store: TrajectoryStore<{ epoch: number; loss: number }>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-ckpt-'));
  store = new TrajectoryStore(dir, 't', WIDTH);
  for (let epoch = 0; epoch <= 3; epoch++) await store.save(epoch, initWeights(WIDTH, new Rng(1, epoch)), { epoch, loss: 1 / (epoch + 1) });
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const file = (epoch: number, ext: string) => join(dir, 't', `epoch-000${epoch}.${ext}`);

async function flip(path: string, at: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[at] = bytes[at]! ^ 0x10;
  await writeFile(path, bytes);
}

describe('checkpoints with hashes', () => {
  it('resume past intact epochs and leave them as they are', async () => {
    expect(await store.resume(4)).toEqual({ completed: 4, damaged: null });
    expect((await store.weights(2)).length).toBe(initWeights(WIDTH, new Rng(1)).length);
  });

  const cases: Array<[string, () => Promise<void>, RegExp, number]> = [
    ['a flipped byte in a weights file', () => flip(file(2, 'f32'), 100), /^checkpoint t\/epoch-0002: its weights do not match the SHA-256 in its record; trained again from epoch 1$/, 2],
    ['a weights file cut short', () => truncate(file(1, 'f32'), 10), /^checkpoint t\/epoch-0001: its weights file has 10 bytes, its record says \d+; trained again from epoch 0$/, 1],
    ['a deleted weights file', () => rm(file(3, 'f32')), /^checkpoint t\/epoch-0003: its weights file is missing; trained again from epoch 2$/, 3],
    ['a record cut short', () => truncate(file(0, 'json'), 20), /^checkpoint t\/epoch-0000: its record is damaged \(not valid JSON .*\); trained again from its start$/, 0],
    ['a changed digit in a record', async () => {
      const text = await readFile(file(1, 'json'), 'utf8');
      await writeFile(file(1, 'json'), text.replace('"loss":0.5', '"loss":0.6'));
    }, /^checkpoint t\/epoch-0001: its record is damaged \(its content does not match its digest .*\); trained again from epoch 0$/, 1],
    ['a deleted record with later epochs', () => rm(file(2, 'json')), /^checkpoint t\/epoch-0002 is missing while epoch 3 is there; trained again from epoch 1$/, 2],
  ];
  for (const [what, damage, message, completed] of cases) {
    it(`find ${what}, name it, and drop it and every later epoch`, async () => {
      await damage();
      const result = await store.resume(4);
      expect(result.completed).toBe(completed);
      expect(result.damaged).toMatch(message);
      const left = (await readdir(join(dir, 't'))).filter((f) => !f.endsWith('.tmp')).sort();
      expect(left).toEqual(Array.from({ length: completed }, (_, e) => [`epoch-000${e}.f32`, `epoch-000${e}.json`]).flat());
      expect(await store.resume(4)).toEqual({ completed, damaged: null });
    });
  }

  it('find a damaged divergence marker and remove it, so the trajectory is trained again', async () => {
    await store.markDiverged({ epoch: 4, loss: 'NaN' });
    expect(await store.diverged()).toEqual({ epoch: 4, loss: 'NaN' });
    await flip(join(dir, 't', 'diverged.json'), 12);
    await expect(store.diverged()).rejects.toThrow(DamagedCheckpoint);
    expect(await store.diverged()).toBeNull();
  });
});
