// The native kernel provider is optional: off, missing or broken, the engine says so in one
// line and uses the npm-only wasm kernels, never the pure-JS backend; asked for with
// LANDSCAPE_NATIVE=1, a missing addon is an error. Each case runs in its own process. The
// npm-only path is our SIMD kernels when built, else XNNPACK: the fallback cases turn the SIMD
// kernels off (LANDSCAPE_SIMD=0) so that they end on XNNPACK whatever is built; one case checks
// that a missing addon lands on the SIMD kernels (tests/simd/fallback.test.ts has their own cases).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAddonBuilt, simdKernelsBuilt } from '../../pipeline/engine/fingerprint.ts';

const fixture = fileURLToPath(new URL('./engine-info.fixture.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'landscape-native-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Outcome {
  predicted: { backend: string; kernels?: string; addon?: string };
  info?: { backend: string; kernels?: string; addon?: string; notes: string[] };
  activeBackend?: string;
  loss?: number;
  error?: string;
}

function engineWith(env: Record<string, string | undefined>): Outcome {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LANDSCAPE_BACKEND: 'wasm' };
  // the SIMD module the build made, whatever the caller's environment points at
  delete childEnv.LANDSCAPE_SIMD_MODULE;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', fixture], { cwd: repoRoot, env: childEnv, encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`the child printed no result (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(line) as Outcome;
}

/** the fallback: wasm backend, XNNPACK (the SIMD kernels are off), exactly one note about the native kernels, on one line */
function expectFallback(o: Outcome, notice: RegExp): void {
  expect(o.error).toBeUndefined();
  expect(o.info!.backend).toBe('wasm');
  expect(o.activeBackend).toBe('wasm');
  expect(o.info!.kernels).toBe('xnnpack');
  const lines = o.info!.notes.filter((n) => /native kernels/.test(n));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(notice);
  expect(lines[0]).not.toContain('\n');
  expect(lines[0]).toMatch(/: using the npm-only wasm path$/);
  expect(Number.isFinite(o.loss)).toBe(true);
}

describe('without the native kernels', () => {
  it('LANDSCAPE_NATIVE=0 turns them off, and the prediction knows', () => {
    const o = engineWith({ LANDSCAPE_NATIVE: '0', LANDSCAPE_NATIVE_ADDON: undefined, LANDSCAPE_SIMD: '0' });
    expectFallback(o, /^native kernels off \(LANDSCAPE_NATIVE=0\)/);
    expect(o.predicted.kernels).toBe('xnnpack');
  });

  it('a missing addon falls back, and the prediction knows', () => {
    const o = engineWith({ LANDSCAPE_NATIVE: undefined, LANDSCAPE_NATIVE_ADDON: join(scratch, 'missing.node'), LANDSCAPE_SIMD: '0' });
    expectFallback(o, /^native kernels not built \(no .*missing\.node; npm install builds it/);
    expect(o.predicted.kernels).toBe('xnnpack');
  });

  it('an addon that does not load falls back', () => {
    const file = join(scratch, 'broken.node');
    writeFileSync(file, 'not a shared library\n');
    const o = engineWith({ LANDSCAPE_NATIVE: undefined, LANDSCAPE_NATIVE_ADDON: file, LANDSCAPE_SIMD: '0' });
    expectFallback(o, /^native kernels broken \(/);
  });

  it('an addon that loads but computes wrong results fails its self-test and falls back', () => {
    // a JS stand-in with the addon's functions that write nothing
    const file = join(scratch, 'wrong.cjs');
    const noop = '() => {}';
    writeFileSync(file, `module.exports = { init: () => ({ threads: 1, blas: 'fake', core: 'fake' }), ${
      ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'batchMatMul', 'binary', 'unary', 'reduce', 'bnRelu', 'bnReluGrad', 'normalizeRelu']
        .map((f) => `${f}: ${noop}`).join(', ')} };\n`);
    const o = engineWith({ LANDSCAPE_NATIVE: undefined, LANDSCAPE_NATIVE_ADDON: file, LANDSCAPE_SIMD: '0' });
    expectFallback(o, /^native kernels broken \(self-test: .* differs from the wasm kernel/);
  });

  it.skipIf(!simdKernelsBuilt())('a missing addon falls back to the SIMD kernels when they are built, and the prediction knows', () => {
    const o = engineWith({ LANDSCAPE_NATIVE: undefined, LANDSCAPE_NATIVE_ADDON: join(scratch, 'missing.node'), LANDSCAPE_SIMD: undefined });
    expect(o.error).toBeUndefined();
    expect(o.activeBackend).toBe('wasm');
    expect(o.info!.kernels).toBe('wasm-simd');
    expect(o.predicted.kernels).toBe('wasm-simd');
    expect(o.predicted.addon).toBe(o.info!.addon);
    const lines = o.info!.notes.filter((n) => /native kernels/.test(n));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^native kernels not built \(no .*missing\.node/);
    expect(Number.isFinite(o.loss)).toBe(true);
  });

  it('LANDSCAPE_NATIVE=1 makes a missing addon an error', () => {
    const o = engineWith({ LANDSCAPE_NATIVE: '1', LANDSCAPE_NATIVE_ADDON: join(scratch, 'missing.node') });
    expect(o.error).toMatch(/^LANDSCAPE_NATIVE=1, but native kernels not built/);
  });
});

describe.skipIf(!nativeAddonBuilt() || process.env.LANDSCAPE_NATIVE === '0')('with the native kernels built', () => {
  it('they are used, predicted and noted', () => {
    const o = engineWith({ LANDSCAPE_NATIVE: undefined, LANDSCAPE_NATIVE_ADDON: undefined });
    expect(o.error).toBeUndefined();
    expect(o.info!.backend).toBe('wasm');
    expect(o.info!.kernels).toBe('native-openblas');
    expect(o.predicted.kernels).toBe('native-openblas');
    expect(o.info!.notes.some((n) => /^native kernels: OpenBLAS/.test(n))).toBe(true);
  });
});
