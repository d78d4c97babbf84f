// The claims and the settings of two runs' manifests, on synthetic manifests (claims are not yet
// checked by any run, so none of today's manifests has them).
import { describe, expect, it } from 'vitest';
import type { ClaimResult } from '../../pipeline/claims/types.ts';
import { compareClaims } from '../../pipeline/diff/claims.ts';
import { compareSettings } from '../../pipeline/diff/settings.ts';
import { EXACT } from '../../pipeline/diff/types.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import { applyOverrides } from '../../pipeline/overrides.ts';
import type { RunManifest } from '../../pipeline/runs.ts';

function claim(id: string, status: ClaimResult['status'], numbers: Record<string, number | null>): ClaimResult {
  return { id, statement: `claim ${id}`, figures: ['fig-03'], status, numbers, threshold: 'below 0.1' };
}

function manifest(overrides: Partial<RunManifest> = {}): RunManifest {
  return {
    id: 'run',
    status: 'ok',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    seconds: 60,
    command: [],
    profile: getProfile('smoke'),
    git: { commit: 'a'.repeat(40), dirty: false },
    environment: { node: 'v20.19.0', platform: 'linux', cpu: 'cpu', cores: 2, memoryGiB: 8 },
    engine: { backend: 'wasm', provider: '@tensorflow/tfjs-backend-wasm@4.22.0', tfjs: '4.22.0', kernels: 'wasm-simd', initialised: true, notes: ['a note'] },
    dataset: { key: 'k'.repeat(64), info: { sha256: { 'data_batch_1.bin': '1'.repeat(64) } } },
    seeds: { root: 20170328 },
    steps: [],
    figures: [],
    ...overrides,
  };
}

describe('claims of two runs', () => {
  it('lists pass -> fail first, then the other changes, and leaves unchanged claims out', () => {
    const a = [claim('flat', 'pass', { ratio: 0.05 }), claim('same', 'pass', { x: 1 }), claim('fixed', 'fail', { x: 2 }), claim('moved', 'pass', { x: 1 }), claim('gone', 'pass', {})];
    const b = [claim('moved', 'pass', { x: 1.5 }), claim('fixed', 'pass', { x: 0.05 }), claim('same', 'pass', { x: 1 }), claim('flat', 'fail', { ratio: 0.2 }), claim('new', 'not-applicable', { x: null })];
    const diff = compareClaims(a, b, EXACT);
    expect(diff.map((c) => [c.id, c.change])).toEqual([
      ['flat', 'pass -> fail'],
      ['fixed', 'fail -> pass'],
      ['gone', 'removed'],
      ['new', 'added'],
      ['moved', 'numbers changed'],
    ]);
    expect(diff[0]!.numbers).toEqual([{ name: 'ratio', a: 0.05, b: 0.2, delta: expect.closeTo(0.15, 12), rel: expect.closeTo(0.75, 12) }]);
    expect(diff.every((c) => !c.withinTolerance)).toBe(true);
  });

  it('counts a change of numbers within tolerance as within, a change of verdict never', () => {
    const a = [claim('moved', 'pass', { x: 1 }), claim('flip', 'pass', { x: 1 })];
    const b = [claim('moved', 'pass', { x: 1.001 }), claim('flip', 'fail', { x: 1.001 })];
    const diff = compareClaims(a, b, { abs: 0.01, rel: 0 });
    expect(diff.find((c) => c.id === 'moved')!.withinTolerance).toBe(true);
    expect(diff.find((c) => c.id === 'flip')!.withinTolerance).toBe(false);
  });

  it('is empty when neither run has claims', () => {
    expect(compareClaims(undefined, undefined, EXACT)).toEqual([]);
  });
});

describe('settings of two runs', () => {
  it('is empty for the same manifest', () => {
    expect(compareSettings(manifest(), manifest())).toEqual([]);
  });

  it('names every setting that differs: overrides, profile values, seed, code, engine, data, machine', () => {
    const overrides = { 'sgdStages.learningRate': 0.02 };
    const b = manifest({
      overrides,
      profile: applyOverrides(getProfile('smoke'), overrides),
      seeds: { root: 7 },
      git: { commit: 'b'.repeat(40), dirty: true },
      engine: { backend: 'webgpu', provider: '@tensorflow/tfjs-backend-webgpu@4.22.0', tfjs: '4.22.0', initialised: false, notes: ['another note'] },
      dataset: { key: 'j'.repeat(64), info: { sha256: { 'data_batch_1.bin': '2'.repeat(64) } } },
      environment: { node: 'v22.1.0', platform: 'linux', cpu: 'cpu', cores: 2, memoryGiB: 8 },
      executor: { kind: 'slurm', settings: { retries: 2 }, arrays: [] },
    });
    const changes = compareSettings(manifest(), b).map((c) => `${c.group} ${c.name}: ${c.a} -> ${c.b}`);
    expect(changes).toEqual([
      'overrides sgdStages.learningRate: (none) -> 0.02',
      'profile sgdStages.learningRate: 0.05 -> 0.02',
      'seed root seed: 20170328 -> 7',
      `code git commit: ${'a'.repeat(40)} -> ${'b'.repeat(40)}`,
      'code uncommitted changes: no -> yes',
      'engine engine.backend: wasm -> webgpu',
      'engine engine.provider: @tensorflow/tfjs-backend-wasm@4.22.0 -> @tensorflow/tfjs-backend-webgpu@4.22.0',
      'engine engine.kernels: wasm-simd -> (none)',
      `data dataset step key: ${'k'.repeat(64)} -> ${'j'.repeat(64)}`,
      `data sha256 data_batch_1.bin: ${'1'.repeat(64)} -> ${'2'.repeat(64)}`,
      'environment node: v20.19.0 -> v22.1.0',
      'environment executor: (not recorded) -> slurm, 0 job arrays',
    ]);
  });
});
