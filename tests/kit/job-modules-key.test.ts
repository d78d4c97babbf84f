// The modules a step's workers run are part of its key because the step declares them, not
// because its entry happens to import a value from them. A step whose entry imports only types
// from its job module must still be rerun when the job module, or anything it imports, changes.
import { mkdir, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cache, keyOf } from '../../pipeline/cache.ts';
import { predictFingerprint } from '../../pipeline/engine/fingerprint.ts';
import { keyComponents, planRun } from '../../pipeline/plan.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import { executePlan } from '../../pipeline/runner.ts';
import { SourceHasher } from '../../pipeline/sources.ts';
import type { StepDecl } from '../../pipeline/step.ts';
import { InlineRunner } from '../../pipeline/workers/pool.ts';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function fixtureRepo(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'lf-jobkey-'));
  dirs.push(root);
  await mkdir(join(root, 'exp'), { recursive: true });
  await writeFile(join(root, 'package.json'), '{"name":"fixture","type":"module"}');
  // the entry knows its job module only through a type
  await writeFile(join(root, 'exp', 'step.ts'), "import type { Out } from './job.ts';\nexport async function run(): Promise<Out | void> {}\n");
  await writeFile(join(root, 'exp', 'job.ts'), "import { train } from './train.ts';\nexport interface Out { x: number }\nexport const job = () => train();\n");
  await writeFile(join(root, 'exp', 'train.ts'), 'export const train = () => 1;\n');
  return root;
}

const decl: StepDecl = { name: 'experiment:toy', kind: 'experiment', entry: 'exp/step.ts', params: () => null, inputs: [], usesEngine: false, jobs: ['exp/job.ts'] };

async function keyIn(root: string, d: StepDecl): Promise<string> {
  const components = await keyComponents(d, null, { hasher: new SourceHasher(root), engine: predictFingerprint(), inputKeys: new Map() });
  return keyOf(components);
}

describe('the key of a step that runs jobs', () => {
  it('changes when the declared job module, or a module it imports, changes', async () => {
    const root = await fixtureRepo();
    const before = await keyIn(root, decl);
    const undeclared = await keyIn(root, { ...decl, jobs: [] });
    await appendFile(join(root, 'exp', 'train.ts'), '// an edit to the training loop\n');
    expect(await keyIn(root, decl)).not.toBe(before);
    // without the declaration, the type-only import leaves the job's modules out of the key
    expect(await keyIn(root, { ...decl, jobs: [] })).toBe(undeclared);
  });

  it("holds for E3: the training loop, the model and the kit's job are in experiment:sgd-stages's sources", async () => {
    const plan = await planRun(getProfile('smoke'), { repoRoot: process.cwd(), engine: predictFingerprint(), only: ['fig-03'] });
    const sources = Object.keys(plan.steps.find((s) => s.decl.name === 'experiment:sgd-stages')!.components.sources);
    for (const file of ['pipeline/engine/train.ts', 'pipeline/engine/model.ts', 'pipeline/experiments/kit/trajectory-job.ts']) expect(sources).toContain(file);
  });

  it('refuses a job whose module the step did not declare', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-jobkey-run-'));
    dirs.push(dir);
    const profile = getProfile('smoke');
    const step = (jobs: string[]) => {
      const d: StepDecl = { name: 'analysis:sneaky', kind: 'analysis', entry: 'tests/fixtures/job-step.ts', params: () => null, inputs: [], usesEngine: false, jobs };
      const components = { step: d.name, sources: {}, packages: {}, params: jobs, inputs: {}, engine: null };
      return { decl: d, params: null, components, key: keyOf(components), selected: true };
    };
    const run = (jobs: string[]) =>
      executePlan(
        { profile, engine: predictFingerprint(), steps: [step(jobs)], figures: [] },
        { cache: new Cache(dir), reporter: { start() {}, progress() {}, log() {}, end() {} }, repoRoot: process.cwd(), force: false, jobs: new InlineRunner() },
      );
    const [refused] = await run([]);
    expect(refused).toMatchObject({ status: 'failed', note: expect.stringMatching(/runs tests\/fixtures\/jobs.ts in a worker but does not declare it/) });
    const [allowed] = await run(['tests/fixtures/jobs.ts']);
    expect(allowed!.status).toBe('computed');
  });
});
