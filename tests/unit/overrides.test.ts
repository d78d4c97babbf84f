// --set: overrides checked against the profile's types, applied before planning, and entering the
// keys of exactly the steps that read the setting (and of the steps downstream of them).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EngineFingerprint } from '../../pipeline/engine/fingerprint.ts';
import { runProfile } from '../../pipeline/figures-command.ts';
import { applyOverrides, describeOverrides, OverrideError, parseOverrides } from '../../pipeline/overrides.ts';
import { planRun } from '../../pipeline/plan.ts';
import { getProfile } from '../../pipeline/profiles.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const engine: EngineFingerprint = { backend: 'wasm', provider: '@tensorflow/tfjs-backend-wasm@4.22.0', tfjs: '4.22.0', kernels: 'wasm-simd' };
const smoke = getProfile('smoke');

describe('parsing --set', () => {
  it('types each value like the setting it replaces', () => {
    expect(parseOverrides(smoke, ['sgdStages.learningRate=0.02', 'data.train=2000', 'reluFits.degrees=2,4,8', 'data.kind=cifar', 'seed=7'])).toEqual({
      'sgdStages.learningRate': 0.02,
      'data.train': 2000,
      'reluFits.degrees': [2, 4, 8],
      'data.kind': 'cifar',
      seed: 7,
    });
    // a later value for the same setting wins
    expect(parseOverrides(smoke, ['data.train=10', 'data.train=20'])).toEqual({ 'data.train': 20 });
  });

  it('rejects unknown settings, groups and bad values in one line that names the valid keys', () => {
    const cases: Array<[string, RegExp]> = [
      ['sgdStages.lr=0.02', /unknown setting 'sgdStages\.lr' \(sgdStages has: sgdStages\.stages, .*sgdStages\.learningRate/],
      ['nothing=1', /unknown setting 'nothing' \(the settings are: seed, data, net, sgdStages, basinModel, reluFits, .*\)/],
      ['basinModel.runs=3', /'basinModel\.runs' is a group of settings, not one \(set one of: basinModel\.runs\.count, /],
      ['name=paper', /unknown setting 'name'/],
      ['data.train=2000.5', /data\.train: needs a whole number, got '2000\.5'/],
      ['sgdStages.learningRate=fast', /not a number/],
      ['sgdStages.learningRate=', /not a number/],
      ['data.kind=imagenet', /needs one of synthetic, cifar/],
      ['reluFits.degrees=2,x', /not a number/],
      ['learningRate', /--set needs setting=value/],
    ];
    for (const [arg, reason] of cases) {
      let error: unknown;
      try {
        parseOverrides(smoke, [arg]);
      } catch (e) {
        error = e;
      }
      expect(error, arg).toBeInstanceOf(OverrideError);
      expect((error as Error).message, arg).toMatch(reason);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('applies overrides to a copy of the profile and writes them back as typed', () => {
    const overrides = { 'sgdStages.learningRate': 0.02, 'basinModel.runs.count': 3 };
    const changed = applyOverrides(smoke, overrides);
    expect(changed.sgdStages.learningRate).toBe(0.02);
    expect(changed.basinModel.runs.count).toBe(3);
    expect(getProfile('smoke').sgdStages.learningRate).toBe(0.05);
    expect(describeOverrides(overrides)).toBe('sgdStages.learningRate=0.02 basinModel.runs.count=3');
  });
});

describe('overrides and cache keys', () => {
  /** The steps whose key an override changes, and the steps that read it or sit downstream of one that does. */
  async function keysAndReaders(args: string[]): Promise<{ changed: string[]; expected: string[] }> {
    const base = await planRun(smoke, { repoRoot, engine });
    const variant = await planRun(runProfile('smoke', parseOverrides(smoke, args)), { repoRoot, engine });
    const before = new Map(base.steps.map((s) => [s.decl.name, s]));
    const changed = variant.steps.filter((s) => before.get(s.decl.name)!.key !== s.key).map((s) => s.decl.name);
    // the steps whose declared parameters differ read the setting; the plan is in input order
    const expected = new Set(variant.steps.filter((s) => JSON.stringify(s.params) !== JSON.stringify(before.get(s.decl.name)!.params)).map((s) => s.decl.name));
    for (const step of variant.steps) if (step.decl.inputs.some((i) => expected.has(i))) expected.add(step.decl.name);
    return { changed, expected: variant.steps.map((s) => s.decl.name).filter((n) => expected.has(n)) };
  }

  it('change the keys of exactly the steps that read the setting, and of the steps after them', async () => {
    for (const args of [['sgdStages.learningRate=0.02'], ['data.train=150'], ['reluFits.curvePoints=121'], ['basinModel.wall.height=1.5'], ['seed=7'], []]) {
      const { changed, expected } = await keysAndReaders(args);
      expect(changed, args.join(' ')).toEqual(expected);
    }
  });

  it('leave every other experiment alone', async () => {
    const relu = await keysAndReaders(['reluFits.curvePoints=121']);
    expect(relu.changed).toEqual(['analysis:relu-fits', 'figure:fig-39', 'render:fig-39']);
    const basins = (await keysAndReaders(['basinModel.wall.height=1.5'])).changed;
    expect(basins).toContain('experiment:basin-model');
    expect(basins.every((name) => /basin-model|fig-0[1678]$/.test(name))).toBe(true);
    const sgd = (await keysAndReaders(['sgdStages.learningRate=0.02'])).changed;
    expect(sgd).toContain('experiment:sgd-stages');
    expect(sgd).toContain('render:fig-03');
    expect(sgd.some((name) => /basin-model|relu-fits|fig-0[1678]$|fig-39$|^data$/.test(name))).toBe(false);
    expect((await keysAndReaders(['data.train=150'])).changed[0]).toBe('data');
  });
});
