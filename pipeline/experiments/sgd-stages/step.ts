// E3 `sgd-stages`: the training process cut into stages of parallel SGD trajectories
// (the paper's Figure 3). In stage s, trajectories 1 .. firstPerturbed-1 start from P, the final
// model of trajectory 1 of stage s-1 (the random initial model for stage 1); the others start
// from P plus Gaussian noise of std perturbScale x (each layer's weight std), a fresh draw per
// trajectory. The trajectories of a stage are independent jobs, run in parallel workers; every
// epoch's weights are kept, with train and test error and loss.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '../../cache.ts';
import { writeJson } from '../../artifacts.ts';
import { layerShapes, layerSize } from '../../engine/net.ts';
import type { NetSettings } from '../../profiles/net.ts';
import type { SgdStagesSettings } from '../../profiles/sgd-stages.ts';
import type { StepContext } from '../../step.ts';
import { TrajectoryStore } from '../trajectory-store.ts';
import { trajectoryName, type SnapshotRecord, type TrajectoryInput, type TrajectoryOutput } from './trajectory.ts';

export type { SnapshotRecord };

export interface SgdStagesParams {
  seed: number;
  net: NetSettings;
  sgd: SgdStagesSettings;
}

/** What the artifact's `snapshots.json` holds; row i of each `layer-<l>.f32` is snapshot i. */
export interface SgdStagesIndex {
  settings: SgdStagesParams;
  layerSizes: number[];
  snapshots: SnapshotRecord[];
}

const TRAJECTORY_MODULE = 'pipeline/experiments/sgd-stages/trajectory.ts';

export async function run(ctx: StepContext<SgdStagesParams>): Promise<void> {
  const { seed, net, sgd } = ctx.params;
  const total = sgd.stages * sgd.trajectories * sgd.epochsPerStage;
  const progress = new Map<string, number>();
  const tick = (name: string, done: number, detail: string) => {
    progress.set(name, done);
    const sum = [...progress.values()].reduce((a, b) => a + b, 0);
    ctx.progress(sum, total, detail);
  };

  for (let stage = 1; stage <= sgd.stages; stage++) {
    const jobs = Array.from({ length: sgd.trajectories }, (_, i) => {
      const trajectory = i + 1;
      const input: TrajectoryInput = {
        dataDir: ctx.inputs['data']!.dir,
        scratchDir: ctx.scratchDir,
        seed,
        net,
        sgd,
        stage,
        trajectory,
        from: stage === 1 ? { kind: 'init' } : { kind: 'trajectory', name: trajectoryName(stage - 1, 1) },
      };
      const name = trajectoryName(stage, trajectory);
      return ctx.jobs
        .run<TrajectoryInput, TrajectoryOutput>({ module: TRAJECTORY_MODULE, fn: 'runTrajectory', input, label: name }, (done) =>
          tick(name, done, `stage ${stage}/${sgd.stages}, ${ctx.jobs.size} worker${ctx.jobs.size > 1 ? 's' : ''}`),
        )
        .then((out) => {
          if (canonicalJson(out.engine) !== canonicalJson(ctx.engine)) {
            throw new Error(`${name} ran on ${canonicalJson(out.engine)}, but the step is keyed for ${canonicalJson(ctx.engine)}`);
          }
          tick(name, sgd.epochsPerStage, `stage ${stage}/${sgd.stages}`);
          return out.resumedAfter;
        });
    });
    // wait for every trajectory of the stage, so a failure never leaves jobs running behind it
    const settled = await Promise.allSettled(jobs);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const resumed = settled.map((r) => (r as PromiseFulfilledResult<number>).value);
    const complete = resumed.filter((e) => e === sgd.epochsPerStage).length;
    const partway = resumed.flatMap((e, i) => (e > 0 && e < sgd.epochsPerStage ? [`${i + 1} after epoch ${e}`] : []));
    if (complete + partway.length > 0) {
      ctx.log(
        `stage ${stage}: from checkpoints, ${complete} trajectories already complete` +
          (partway.length ? `, resumed ${partway.join(', ')}` : ''),
      );
    }
  }
  await assemble(ctx);
}

/** Writes the snapshots layer by layer (`layer-<l>.f32`), so an analysis reads only its layer. */
async function assemble(ctx: StepContext<SgdStagesParams>): Promise<void> {
  const { net, sgd } = ctx.params;
  const layerSizes = layerShapes(net.width).map(layerSize);
  const files = await Promise.all(layerSizes.map((_, l) => open(join(ctx.outDir, `layer-${l + 1}.f32`), 'w')));
  const snapshots: SnapshotRecord[] = [];
  try {
    for (let stage = 1; stage <= sgd.stages; stage++) {
      for (let trajectory = 1; trajectory <= sgd.trajectories; trajectory++) {
        const store = new TrajectoryStore<SnapshotRecord>(ctx.scratchDir, trajectoryName(stage, trajectory), net.width);
        for (let epoch = 0; epoch <= sgd.epochsPerStage; epoch++) {
          const record = await store.record(epoch);
          if (!record) throw new Error(`${trajectoryName(stage, trajectory)} has no checkpoint of epoch ${epoch}`);
          snapshots.push(record);
          const weights = await store.weights(epoch);
          for (let l = 0; l < weights.length; l++) {
            const w = weights[l]!;
            await files[l]!.write(new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
          }
        }
      }
    }
  } finally {
    await Promise.all(files.map((f) => f.close()));
  }
  const index: SgdStagesIndex = { settings: ctx.params, layerSizes, snapshots };
  await writeJson(ctx.outDir, 'snapshots.json', index);
}
