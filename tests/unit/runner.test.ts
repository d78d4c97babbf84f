import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cache, keyOf, type KeyComponents } from '../../pipeline/cache.ts';
import type { Plan, PlannedStep } from '../../pipeline/plan.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import type { Reporter } from '../../pipeline/progress.ts';
import { executePlan } from '../../pipeline/runner.ts';
import { InlineRunner } from '../../pipeline/workers/pool.ts';

const quiet: Reporter = { start() {}, progress() {}, log() {}, end() {} };

function step(name: string, params: { value: string; fail?: boolean }, inputs: string[] = [], keyParams: unknown = params.value): PlannedStep {
  // the key ignores `fail`, so a failing run of a step has the key of its earlier good run
  const components: KeyComponents = { step: name, sources: {}, packages: {}, params: keyParams, inputs: {}, engine: null };
  return {
    decl: { name, kind: 'analysis', entry: 'tests/fixtures/steps.ts', params: () => params, inputs, usesEngine: false },
    params,
    components,
    key: keyOf(components),
    selected: true,
  };
}

function plan(steps: PlannedStep[]): Plan {
  return { profile: getProfile('smoke'), engine: { backend: 'wasm', provider: 'test', tfjs: 'test' }, steps, figures: [] };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-runner-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the runner', () => {
  const options = () => ({ cache: new Cache(dir), reporter: quiet, repoRoot: process.cwd(), jobs: new InlineRunner() });

  it('computes, then reuses, and blocks only the steps that need a failed one', async () => {
    const first = await executePlan(plan([step('a', { value: 'A' }), step('b', { value: 'B' })]), { ...options(), force: false });
    expect(first.map((o) => o.status)).toEqual(['computed', 'computed']);
    const again = await executePlan(plan([step('a', { value: 'A' }), step('b', { value: 'B' })]), { ...options(), force: false });
    expect(again.map((o) => o.status)).toEqual(['reused', 'reused']);

    const mixed = await executePlan(
      plan([step('c', { value: 'C', fail: true }), step('d', { value: 'D' }, ['c']), step('e', { value: 'E' })]),
      { ...options(), force: false },
    );
    expect(mixed.map((o) => o.status)).toEqual(['failed', 'blocked', 'computed']);
    expect(mixed[0]!.note).toMatch(/asked to fail/);
    expect((await new Cache(dir).verify(mixed[0]!.key)).status).toBe('absent');
  });

  it('keeps the old object when a forced recomputation fails', async () => {
    const good = step('a', { value: 'A' });
    await executePlan(plan([good]), { ...options(), force: false });
    const failing = step('a', { value: 'A', fail: true });
    expect(failing.key).toBe(good.key);
    const forced = await executePlan(plan([failing]), { ...options(), force: true });
    expect(forced[0]!.status).toBe('failed');
    const cache = new Cache(dir);
    expect((await cache.verify(good.key)).status).toBe('ok');
    expect(await readFile(join(cache.objectDir(good.key), 'value.txt'), 'utf8')).toBe('A');
    // and a forced run that succeeds replaces it
    const redone = await executePlan(plan([good]), { ...options(), force: true });
    expect(redone[0]!.status).toBe('computed');
    expect((await cache.verify(good.key)).status).toBe('ok');
  });
});
