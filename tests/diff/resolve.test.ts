// Naming a run: latest, latest~N, an id or its start, a site folder, a manifest file; and the
// one-line errors for names that mean nothing.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRun, RunNameError, SITE_MANIFEST } from '../../pipeline/diff/resolve.ts';

let dir: string;
const ids = ['2025-01-01T10-00-00-000-smoke', '2025-01-02T10-00-00-000-smoke', '2025-01-03T10-00-00-000-preview'];
const manifest = (id: string): string => JSON.stringify({ id, profile: { name: 'smoke' }, figures: [] });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'landscape-resolve-'));
  await mkdir(join(dir, 'cache', 'runs'), { recursive: true });
  for (const id of ids) await writeFile(join(dir, 'cache', 'runs', `${id}.json`), manifest(id));
  await mkdir(join(dir, 'site', 'run'), { recursive: true });
  await writeFile(join(dir, 'site', SITE_MANIFEST), manifest('from-the-site'));
  await mkdir(join(dir, 'empty'));
  await writeFile(join(dir, 'broken.json'), '{"id": ');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const resolve = (name: string) => resolveRun(name, { cacheDir: join(dir, 'cache') });

describe('naming a run', () => {
  it('takes latest, latest~N, an id and the start of one id', async () => {
    expect((await resolve('latest')).manifest.id).toBe(ids[2]);
    expect((await resolve('latest~2')).manifest.id).toBe(ids[0]);
    expect((await resolve(ids[1]!)).manifest.id).toBe(ids[1]);
    expect((await resolve('2025-01-03')).manifest.id).toBe(ids[2]);
  });

  it('takes a site folder and a manifest file', async () => {
    const site = await resolve(join(dir, 'site'));
    expect(site.manifest.id).toBe('from-the-site');
    expect(site.from).toMatch(/^site /);
    expect((await resolve(join(dir, 'cache', 'runs', `${ids[0]}.json`))).from).toBe(`cache ${join(dir, 'cache')}`);
  });

  it('says in one line why a name means nothing', async () => {
    const reasons: Array<[string, RegExp]> = [
      ['latest~3', /holds only 3 runs/],
      ['2025-01', /3 runs start with it/],
      ['nope', /no run or site folder 'nope' \(newest runs in .*: 2025-01-03T10-00-00-000-preview/],
      [join(dir, 'empty'), /is a folder but not a built site/],
      [join(dir, 'cache'), /is a cache folder, not a run/],
      [join(dir, 'broken.json'), /cannot read the run manifest/],
    ];
    for (const [name, reason] of reasons) {
      const error = await resolve(name).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(RunNameError);
      expect((error as Error).message, name).toMatch(reason);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
