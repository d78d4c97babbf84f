// The SIMD kernels are optional too: without the native addon, a missing or broken module makes
// the engine say so in one line and use the wasm backend's own kernels (XNNPACK), never the
// pure-JS backend; asked for with LANDSCAPE_SIMD=1, a missing or broken module is an error;
// LANDSCAPE_SIMD=0 turns them off. predictFingerprint() must agree with initEngine() wherever it
// can know without loading the module. Each case runs in its own process (the engine initialises
// once per process), with the native addon turned off so that the SIMD kernels are next in line.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { relaxedSimdAvailable, SIMD_FMA_KERNELS_PATH, SIMD_KERNELS_PATH } from '../../pipeline/engine/fingerprint.ts';
import { jsonLine, repoRoot, runScript } from './helpers.ts';

const fixture = fileURLToPath(new URL('../native/engine-info.fixture.ts', import.meta.url));
const builtModule = join(repoRoot, SIMD_KERNELS_PATH);
const fmaModule = join(repoRoot, SIMD_FMA_KERNELS_PATH);
// the relaxed-SIMD build where this runtime compiles it (Node 22, or Node 20 with V8's flag), as the engine chooses
const fma = relaxedSimdAvailable();
const defaultModule = fma ? fmaModule : builtModule;
const scratch = mkdtempSync(join(tmpdir(), 'landscape-simd-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Fingerprint {
  backend: string;
  kernels?: string;
  addon?: string;
}
interface Outcome {
  predicted: Fingerprint;
  info?: Fingerprint & { notes: string[] };
  activeBackend?: string;
  loss?: number;
  error?: string;
}

/** The engine in a child process: the native addon off, the wasm backend forced, env on top. */
async function engineWith(env: Record<string, string | undefined>): Promise<Outcome> {
  return jsonLine<Outcome>(await runScript(fixture, {
    LANDSCAPE_BACKEND: 'wasm',
    LANDSCAPE_NATIVE: '0',
    LANDSCAPE_SIMD: undefined,
    LANDSCAPE_SIMD_MODULE: undefined,
    ...env,
  }));
}

function hashOf(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
}

/** A wasm module from its sections (each [id, bytes]); sizes below 128 only, which is all these need. */
function wasmModule(sections: [number, number[]][]): Buffer {
  const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  for (const [id, content] of sections) {
    if (content.length >= 128) throw new Error('section too long for a one-byte size');
    bytes.push(id, content.length, ...content);
  }
  return Buffer.from(bytes);
}
const ascii = (s: string) => [s.length, ...Buffer.from(s, 'ascii')];
const I32 = 0x7f;

/** the fallback: wasm backend, XNNPACK, exactly one note about the SIMD kernels, on one line */
function expectFallback(o: Outcome, notice: RegExp): void {
  expect(o.error).toBeUndefined();
  expect(o.info!.backend).toBe('wasm');
  expect(o.activeBackend).toBe('wasm');
  expect(o.info!.kernels).toBe('xnnpack');
  expect(o.info!.addon).toBeUndefined();
  const lines = o.info!.notes.filter((n) => /simd kernels/.test(n));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(notice);
  expect(lines[0]).not.toContain('\n');
  expect(lines[0]).toMatch(/XNNPACK\)$/);
  expect(Number.isFinite(o.loss)).toBe(true);
}

describe('with the SIMD module built', () => {
  it('the SIMD kernels are used, predicted and noted, with the module hash in the fingerprint', async () => {
    const o = await engineWith({});
    expect(o.error).toBeUndefined();
    expect(o.activeBackend).toBe('wasm');
    expect(o.info!.kernels).toBe('wasm-simd');
    expect(o.info!.addon).toBe(hashOf(defaultModule));
    expect(o.predicted).toMatchObject({ backend: 'wasm', kernels: 'wasm-simd', addon: o.info!.addon });
    const note = fma ? /^simd kernels: wasm SIMD with fused multiply-add \(relaxed SIMD\), \d+ threads$/ : /^simd kernels: wasm SIMD, \d+ threads$/;
    expect(o.info!.notes.filter((n) => /simd kernels/.test(n))).toEqual([expect.stringMatching(note)]);
    expect(Number.isFinite(o.loss)).toBe(true);
  });

  it('LANDSCAPE_SIMD_FMA=0 picks the plain build, keyed by its own hash', async () => {
    const o = await engineWith({ LANDSCAPE_SIMD_FMA: '0' });
    expect(o.error).toBeUndefined();
    expect(o.info!.kernels).toBe('wasm-simd');
    expect(o.info!.addon).toBe(hashOf(builtModule));
    expect(o.predicted.addon).toBe(o.info!.addon);
    expect(o.info!.notes.filter((n) => /simd kernels/.test(n))).toEqual([expect.stringMatching(/^simd kernels: wasm SIMD, \d+ threads$/)]);
    if (fma) expect(hashOf(fmaModule)).not.toBe(o.info!.addon);
  });

  it('another module (LANDSCAPE_SIMD_MODULE) is keyed by its own hash', async () => {
    // the built module plus a custom section: the same code, other bytes
    const file = join(scratch, 'other.wasm');
    writeFileSync(file, Buffer.concat([readFileSync(builtModule), Buffer.from([0x00, 6, ...ascii('note'), 0x01])]));
    const o = await engineWith({ LANDSCAPE_SIMD_MODULE: file });
    expect(o.error).toBeUndefined();
    expect(o.info!.kernels).toBe('wasm-simd');
    expect(o.info!.addon).toBe(hashOf(file));
    expect(o.info!.addon).not.toBe(hashOf(builtModule));
    expect(o.predicted.kernels).toBe('wasm-simd');
    expect(o.predicted.addon).toBe(o.info!.addon);
  });
});

describe('without the SIMD kernels', () => {
  it('LANDSCAPE_SIMD=0 turns them off, and the prediction knows', async () => {
    const o = await engineWith({ LANDSCAPE_SIMD: '0' });
    expectFallback(o, /^simd kernels off \(LANDSCAPE_SIMD=0\)/);
    expect(o.predicted.kernels).toBe('xnnpack');
    expect(o.predicted.addon).toBeUndefined();
  });

  it('a missing module falls back, and the prediction knows', async () => {
    const o = await engineWith({ LANDSCAPE_SIMD_MODULE: join(scratch, 'missing.wasm') });
    expectFallback(o, /^simd kernels not built \(/);
    expect(o.predicted.kernels).toBe('xnnpack');
    expect(o.predicted.addon).toBeUndefined();
  });

  // A file that is there counts as built for the prediction (it does not load the module); the
  // engine finds it broken and the planner plans again with the engine's own fingerprint
  // (pipeline/figures-command.ts), as for a broken native addon.
  it('a file that is no wasm module falls back', async () => {
    const file = join(scratch, 'garbage.wasm');
    writeFileSync(file, 'not a wasm module\n');
    const o = await engineWith({ LANDSCAPE_SIMD_MODULE: file });
    expectFallback(o, /^simd kernels broken \(/);
    expect(o.predicted).toMatchObject({ kernels: 'wasm-simd', addon: hashOf(file) });
  });

  it('a module without the kernels\' exports falls back', async () => {
    const file = join(scratch, 'empty.wasm');
    writeFileSync(file, wasmModule([]));
    const o = await engineWith({ LANDSCAPE_SIMD_MODULE: file });
    expectFallback(o, /^simd kernels broken \(.*'work'/);
  });

  it('a module whose kernels compute nothing fails its self-test and falls back', async () => {
    // work(job, thread, threads) and pieceMeans(...6 pointers) that return at once
    const file = join(scratch, 'noop.wasm');
    writeFileSync(file, wasmModule([
      [1, [2, 0x60, 3, I32, I32, I32, 0, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]],
      [3, [2, 0, 1]],
      [7, [2, ...ascii('work'), 0, 0, ...ascii('pieceMeans'), 0, 1]],
      [10, [2, 2, 0, 0x0b, 2, 0, 0x0b]],
    ]));
    const o = await engineWith({ LANDSCAPE_SIMD_MODULE: file });
    expectFallback(o, /^simd kernels broken \(self-test: .* differs/);
  });

  it('LANDSCAPE_SIMD=1 makes a missing module an error', async () => {
    const o = await engineWith({ LANDSCAPE_SIMD: '1', LANDSCAPE_SIMD_MODULE: join(scratch, 'missing.wasm') });
    expect(o.info).toBeUndefined();
    expect(o.error).toMatch(/^LANDSCAPE_SIMD=1, but simd kernels not built/);
  });

  it('LANDSCAPE_SIMD=1 makes a broken module an error', async () => {
    const file = join(scratch, 'garbage-required.wasm');
    writeFileSync(file, 'not a wasm module\n');
    const o = await engineWith({ LANDSCAPE_SIMD: '1', LANDSCAPE_SIMD_MODULE: file });
    expect(o.info).toBeUndefined();
    expect(o.error).toMatch(/^LANDSCAPE_SIMD=1, but simd kernels broken \(/);
  });
});
