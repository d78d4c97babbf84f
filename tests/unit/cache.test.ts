import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cache, describeChanges, keyOf, type KeyComponents } from '../../pipeline/cache.ts';
import { SourceHasher } from '../../pipeline/sources.ts';

const base: KeyComponents = {
  step: 'experiment:x',
  sources: { 'pipeline/x.ts': 'aa', 'pipeline/y.ts': 'bb' },
  packages: { 'ml-matrix': '6.0.0' },
  params: { lr: 0.01, epochs: 2 },
  inputs: { data: 'k1' },
  engine: { backend: 'wasm', provider: 'p@1', tfjs: '4.22.0' },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cache keys', () => {
  it('change when, and only when, a component changes', () => {
    const key = keyOf(base);
    // the same components written in another key order give the same key
    expect(keyOf({ ...base, params: { epochs: 2, lr: 0.01 }, sources: { 'pipeline/y.ts': 'bb', 'pipeline/x.ts': 'aa' } })).toBe(key);
    const variants: KeyComponents[] = [
      { ...base, sources: { ...base.sources, 'pipeline/y.ts': 'cc' } },
      { ...base, sources: { ...base.sources, 'pipeline/z.ts': 'dd' } },
      { ...base, packages: { 'ml-matrix': '6.0.1' } },
      { ...base, params: { lr: 0.02, epochs: 2 } },
      { ...base, inputs: { data: 'k2' } },
      { ...base, engine: { backend: 'tensorflow', provider: 'q@1', tfjs: '4.22.0' } },
      { ...base, engine: null },
      { ...base, step: 'experiment:y' },
    ];
    const keys = variants.map(keyOf);
    expect(new Set([key, ...keys]).size).toBe(variants.length + 1);
  });

  it('explain which component changed', () => {
    const after = { ...base, sources: { ...base.sources, 'pipeline/y.ts': 'cc' }, params: { lr: 0.02, epochs: 2 }, inputs: { data: 'k2' } };
    const changes = describeChanges(base, after);
    expect(changes).toContain('source pipeline/y.ts changed');
    expect(changes).toContain('input data changed');
    expect(changes.some((c) => c.startsWith('params.lr (0.01 -> 0.02)'))).toBe(true);
    expect(changes.some((c) => c.includes('epochs'))).toBe(false);
    expect(describeChanges(base, base)).toEqual([]);
  });
});

describe('source closure', () => {
  it('hashes a module and the local modules it loads at run time, and nothing else', async () => {
    await mkdir(join(dir, 'p', 'sub'), { recursive: true });
    await writeFile(join(dir, 'package.json'), '{"name":"t","type":"module"}');
    await writeFile(join(dir, 'p', 'a.ts'), "import { b } from './sub/b.ts';\nimport type { X } from '../types.ts';\nimport 'node:fs';\nexport const a = b;\n");
    await writeFile(join(dir, 'p', 'sub', 'b.ts'), 'export const b = 1;\n');
    await writeFile(join(dir, 'types.ts'), 'export type X = number;\n');
    await writeFile(join(dir, 'p', 'unrelated.ts'), 'export const u = 2;\n');
    const first = await new SourceHasher(dir).closure(['p/a.ts']);
    // types.ts is imported for types only: it cannot change what the step computes
    expect(Object.keys(first.sources).sort()).toEqual(['p/a.ts', 'p/sub/b.ts']);
    expect(first.packages).toEqual({});
    await writeFile(join(dir, 'p', 'unrelated.ts'), 'export const u = 3;\n');
    expect((await new SourceHasher(dir).closure(['p/a.ts'])).sources).toEqual(first.sources);
    await writeFile(join(dir, 'p', 'sub', 'b.ts'), 'export const b = 2;\n');
    const second = await new SourceHasher(dir).closure(['p/a.ts']);
    expect(second.sources['p/sub/b.ts']).not.toBe(first.sources['p/sub/b.ts']);
    expect(second.sources['p/a.ts']).toBe(first.sources['p/a.ts']);
  });
});

describe('cache objects', () => {
  it('commit whole objects that verify, and detect corruption', async () => {
    const cache = new Cache(dir);
    const temp = await cache.makeTemp(keyOf(base));
    await writeFile(join(temp, 'a.json'), '{"x":1}');
    await mkdir(join(temp, 'sub'));
    await writeFile(join(temp, 'sub', 'b.f32'), Buffer.from(new Float32Array([1, 2, 3]).buffer));
    const manifest = await cache.commit(temp, base, 1.5);
    const key = keyOf(base);
    expect(manifest.key).toBe(key);
    expect(Object.keys(manifest.files)).toEqual(['a.json', 'sub/b.f32']);
    expect((await cache.verify(key)).status).toBe('ok');

    await writeFile(join(cache.objectDir(key), 'sub', 'b.f32'), Buffer.from(new Float32Array([1, 2, 4]).buffer));
    const corrupt = await cache.verify(key);
    expect(corrupt.status).toBe('corrupt');
    expect(corrupt.status === 'corrupt' && corrupt.reason).toMatch(/sub\/b\.f32 has SHA-256/);

    await cache.evict(key);
    expect((await cache.verify(key)).status).toBe('absent');
  });

  it('report missing, truncated and extra files', async () => {
    const cache = new Cache(dir);
    const key = keyOf(base);
    const temp = await cache.makeTemp(key);
    await writeFile(join(temp, 'a.txt'), 'hello');
    await cache.commit(temp, base, 0);
    await writeFile(join(cache.objectDir(key), 'a.txt'), 'hell');
    expect(await cache.verify(key)).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/4 bytes, expected 5/) });
    await writeFile(join(cache.objectDir(key), 'a.txt'), 'hello');
    await writeFile(join(cache.objectDir(key), 'stray.txt'), 'x');
    expect(await cache.verify(key)).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/unexpected file stray.txt/) });
    await rm(join(cache.objectDir(key), 'stray.txt'));
    await rm(join(cache.objectDir(key), 'a.txt'));
    expect(await cache.verify(key)).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/a.txt is missing/) });
  });

  it('leave no visible object when the writer dies between write and rename', async () => {
    const key = keyOf(base);
    // a separate process writes an artifact, then is killed before it can commit
    const script = `
      import { Cache } from ${JSON.stringify(join(process.cwd(), 'pipeline', 'cache.ts'))};
      import { writeFile } from 'node:fs/promises';
      const cache = new Cache(${JSON.stringify(dir)});
      const temp = await cache.makeTemp(${JSON.stringify(key)});
      await writeFile(temp + '/big.bin', Buffer.alloc(1 << 20, 7));
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    const cache = new Cache(dir);
    expect((await cache.verify(key)).status).toBe('absent');
    expect(await readdir(join(dir, 'tmp'))).toHaveLength(1);
    await cache.sweepTemp();
    expect(await readdir(join(dir, 'tmp'))).toHaveLength(0);
  });

  it('remember the components of the last build for explanations', async () => {
    const cache = new Cache(dir);
    expect(await cache.lastComponents('smoke', base.step)).toBeNull();
    await cache.recordComponents('smoke', base);
    expect(await cache.lastComponents('smoke', base.step)).toEqual(base);
    expect(await cache.lastComponents('preview', base.step)).toBeNull();
    expect(JSON.parse(await readFile(join(dir, 'index', 'smoke', 'experiment_x.json'), 'utf8')).step).toBe('experiment:x');
  });
});

describe('runtime imports', () => {
  it('keep value imports, re-exports and literal dynamic imports, and drop type-only ones', async () => {
    const { runtimeImports } = await import('../../pipeline/sources.ts');
    const text = [
      "import { a } from './a.ts';",
      "import type { T } from './types.ts';",
      "import { type U, type V } from './types2.ts';",
      "import { type W, w } from './mixed.ts';",
      "import './side-effect.ts';",
      "import * as ns from 'ml-matrix';",
      "export { b } from './b.ts';",
      "export type { X } from './x-types.ts';",
      "const later = () => import('./lazy.ts');",
      'const dynamic = (name: string) => import(name);',
    ].join('\n');
    expect(runtimeImports('m.ts', text)).toEqual(['./a.ts', './mixed.ts', './side-effect.ts', 'ml-matrix', './b.ts', './lazy.ts']);
  });
});
