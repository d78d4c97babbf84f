// kill -9 during E3 training, then rerun: training resumes at the last finished epoch and the
// result is byte-identical to that of an uninterrupted run.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run as runData } from '../../pipeline/data/step.ts';
import { predictFingerprint } from '../../pipeline/engine/fingerprint.ts';
import { run as runSgdStages, type SgdStagesParams } from '../../pipeline/experiments/sgd-stages/step.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import type { StepContext } from '../../pipeline/step.ts';
import { InlineRunner } from '../../pipeline/workers/pool.ts';

const profile = getProfile('smoke');
const params: SgdStagesParams = {
  seed: 7,
  net: { width: 4, bnEpsilon: 1e-5, bnCalibration: 60, evalBatch: 60 },
  sgd: { stages: 3, trajectories: 3, firstPerturbed: 3, epochsPerStage: 3, learningRate: 0.05, batchSize: 20, perturbScale: 0.01 },
};

let root: string;

function context(dataDir: string, outDir: string, scratchDir: string, logs: string[] = []): StepContext<SgdStagesParams> {
  return {
    profile,
    params,
    inputs: { data: { step: 'data', key: 'test', dir: dataDir } },
    outDir,
    scratchDir,
    jobs: new InlineRunner(),
    engine: predictFingerprint(),
    progress: () => {},
    log: (m) => logs.push(m),
  };
}

async function countCheckpoints(scratch: string): Promise<number> {
  let n = 0;
  for (const dir of await readdir(scratch).catch(() => [] as string[])) {
    n += (await readdir(join(scratch, dir))).filter((f) => f.endsWith('.json')).length;
  }
  return n;
}

async function files(dir: string): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = await readFile(join(dir, name));
  return out;
}

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('E3 after kill -9', () => {
  it('resumes at the last finished epoch and ends exactly where an uninterrupted run ends', async () => {
    root = await mkdtemp(join(tmpdir(), 'lf-resume-'));
    const dataDir = join(root, 'data');
    await runData({ ...context('', dataDir, join(root, 'unused')), params: { kind: 'synthetic', seed: 3, train: 60, test: 30 } } as never);

    // 1. a run in another process, killed with SIGKILL once some epochs are checkpointed
    const scratch = join(root, 'scratch-killed');
    const script = `
      import { run } from ${JSON.stringify(join(process.cwd(), 'pipeline/experiments/sgd-stages/step.ts'))};
      import { InlineRunner } from ${JSON.stringify(join(process.cwd(), 'pipeline/workers/pool.ts'))};
      import { predictFingerprint } from ${JSON.stringify(join(process.cwd(), 'pipeline/engine/fingerprint.ts'))};
      import { mkdirSync } from 'node:fs';
      mkdirSync(${JSON.stringify(join(root, 'out-killed'))}, { recursive: true });
      await run({
        params: ${JSON.stringify(params)},
        inputs: { data: { step: 'data', key: 'test', dir: ${JSON.stringify(dataDir)} } },
        outDir: ${JSON.stringify(join(root, 'out-killed'))},
        scratchDir: ${JSON.stringify(scratch)},
        jobs: new InlineRunner(),
        engine: predictFingerprint(),
        progress: () => {}, log: () => {},
      });
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
    const total = params.sgd.stages * params.sgd.trajectories * (params.sgd.epochsPerStage + 1);
    const killedAt = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(async () => {
        const n = await countCheckpoints(scratch);
        if (n >= total / 2) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve(n);
        }
      }, 20);
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') {
          clearInterval(timer);
          reject(new Error(`the training process ended by itself (code ${code}) before it could be killed`));
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    expect(killedAt).toBeLessThan(total);

    // 2. the rerun continues from the checkpoints
    const logs: string[] = [];
    const resumedOut = join(root, 'out-resumed');
    await (await import('node:fs/promises')).mkdir(resumedOut);
    await runSgdStages(context(dataDir, resumedOut, scratch, logs));
    expect(logs.some((l) => /from checkpoints, \d+ trajectories already complete/.test(l))).toBe(true);

    // 3. an uninterrupted run from scratch
    const freshOut = join(root, 'out-fresh');
    await (await import('node:fs/promises')).mkdir(freshOut);
    await runSgdStages(context(dataDir, freshOut, join(root, 'scratch-fresh')));

    const resumed = await files(resumedOut);
    const fresh = await files(freshOut);
    // the index and one file per layer with weights (layers 2-6)
    expect(Object.keys(resumed)).toHaveLength(6);
    expect(Object.keys(resumed)).toEqual(Object.keys(fresh));
    for (const name of Object.keys(fresh)) expect(resumed[name]!.equals(fresh[name]!), name).toBe(true);
  });
});
