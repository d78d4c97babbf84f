// A toy setting for running the kit's trajectories, experiment steps and claims in tests: a
// small synthetic dataset and a step context whose jobs run inline, in a folder of its own.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as runData } from '../../pipeline/data/step.ts';
import { predictFingerprint } from '../../pipeline/engine/fingerprint.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import type { TrajectorySpec } from '../../pipeline/experiments/kit/trajectory.ts';
import type { ArtifactRef, StepContext } from '../../pipeline/step.ts';
import { InlineRunner } from '../../pipeline/workers/pool.ts';

/** The net settings of a toy run: evaluation and batch-norm statistics on 40 images. */
export const toyNet = (width: number) => ({ width, bnEpsilon: 1e-5, bnCalibration: 40, evalBatch: 40 });

/** A short SGD trajectory 'a' of width 3 from its own random start: the kit's and executors' first test job. */
export const toySgdTrajectory = (epochs: number): TrajectorySpec => ({
  name: 'a',
  net: toyNet(3),
  start: { kind: 'init', stream: ['toy', 'init'] },
  optimizer: { kind: 'sgd', learningRate: 0.05, batchSize: 20 },
  epochs,
  stream: ['toy', 'a'],
  confusion: 'last',
  meta: { role: 'main' },
});

/** A full-batch GD branch 'b' of 2 epochs from trajectory 'a' at `epoch`, kicked by 0.1 x S. */
export const toyGdBranch = (epoch: number, meta: TrajectorySpec['meta']): TrajectorySpec => ({
  name: 'b',
  net: toyNet(3),
  start: { kind: 'trajectory', name: 'a', epoch },
  perturb: { scale: 0.1, stream: ['toy', 'b', 'kick'] },
  optimizer: { kind: 'gd', learningRate: 0.1, chunkSize: 30 },
  epochs: 2,
  stream: ['toy', 'b'],
  meta,
});

export interface Toy {
  root: string;
  dataDir: string;
  /** a fresh context named `name` (its out and scratch folders under root) */
  context<P = null>(name: string, options?: { params?: P; logs?: string[]; progress?: number[] }): StepContext<P>;
  /** an experiment step's output folder as the artifact its readers get */
  artifact(step: string, name: string): ArtifactRef;
  remove(): Promise<void>;
}

/** Writes a synthetic dataset of `train` and `test` images into a new temporary folder. */
export async function makeToy(prefix: string, train = 60, test = 30): Promise<Toy> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const dataDir = join(root, 'data');
  await mkdir(dataDir);
  const context = <P>(name: string, options: { params?: P; logs?: string[]; progress?: number[] } = {}): StepContext<P> => ({
    profile: getProfile('smoke'),
    params: (options.params ?? null) as P,
    inputs: { data: { step: 'data', key: 'toy', dir: dataDir } },
    outDir: join(root, name, 'out'),
    scratchDir: join(root, name, 'scratch'),
    jobs: new InlineRunner(),
    engine: predictFingerprint(),
    progress: (done) => options.progress?.push(done),
    log: (m) => options.logs?.push(m),
  });
  await runData({ ...context('data'), outDir: dataDir, params: { kind: 'synthetic', seed: 5, train, test } } as never);
  return {
    root,
    dataDir,
    context,
    artifact: (step, name) => ({ step, key: name, dir: join(root, name, 'out') }),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** Runs an experiment step on the toy data, with `params`, into the context named `name`. */
export async function runToyStep<P>(toy: Toy, name: string, params: P, run: (ctx: StepContext<P>) => Promise<void>): Promise<void> {
  const ctx = toy.context(name, { params });
  await mkdir(ctx.outDir, { recursive: true });
  await run(ctx);
}
