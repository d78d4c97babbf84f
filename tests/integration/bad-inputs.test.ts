// Bad input gets one line on stderr and exit code 2, before anything runs, and loses nothing:
// unknown options, profiles and figures, --jobs 0, cache and site folders that cannot be used
// (under a regular file, on /proc, read-only, on a full disk), and a CIFAR-10 copy that is not
// the official one. A disk that fills up during a run stops it with one line; the cache keeps
// every whole object, and the rerun, with space again, ends with the figures of a clean run.
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_BYTES } from '../../pipeline/data/cifar-format.ts';
import { CIFAR10_FILE_BYTES } from '../../pipeline/data/cifar-verify.ts';
import { readRunManifest } from '../../pipeline/runs.ts';
import { Cache } from '../../pipeline/cache.ts';
import { cacheProblems } from '../chaos/outcome.ts';
import { readTrace, sleep, startPipeline } from '../chaos/pipeline-process.ts';
import { childEnv, smokeRun } from '../setup/smoke-run.ts';

let dir: string;
const mounts: string[] = [];

function figures(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'pipeline/cli.mjs', ...args], { env: childEnv({ NO_COLOR: '1', FORCE_COLOR: '0' }), timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** A tmpfs of its own (root only; null where mounting is not allowed). */
function mountTmpfs(path: string, options: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', path], { stdio: 'ignore' });
    mounts.push(path);
    return path;
  } catch {
    return null;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-bad-'));
});
afterAll(async () => {
  for (const path of mounts.reverse()) execFileSync('umount', [path]);
  await rm(dir, { recursive: true, force: true });
});

async function expectRefused(args: string[], message: RegExp, cacheDir = join(dir, 'untouched')): Promise<void> {
  const { code, stderr } = await figures([...args, '--cache-dir', cacheDir, '--no-site']);
  expect(stderr.trim(), args.join(' ')).toMatch(message);
  expect(stderr.trim().split('\n'), 'one line').toHaveLength(1);
  expect(code, args.join(' ')).toBe(2);
}

describe('npm run figures with bad input', () => {
  it('refuses bad options in one line, with exit code 2, before touching the cache', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--frobnicate'], /^figures: unknown option --frobnicate \(see --help\)$/],
      [['smoke'], /^figures: unexpected argument smoke \(see --help\)$/],
      [['--profile', 'huge'], /^figures: unknown profile 'huge' \(expected one of: smoke, preview, cifar, paper\)$/],
      [['--only', 'fig-03,fig-99'], /^figures: --only: unknown figure 'fig-99' \(figures are fig-01 \.\. fig-45\)$/],
      [['--explain', 'fig-100'], /^figures: --explain: unknown figure 'fig-100'/],
      [['--jobs', '0'], /^figures: --jobs needs a whole number of at least 1, got '0'$/],
      [['--jobs', 'two'], /^figures: --jobs needs a whole number of at least 1, got 'two'$/],
      [['--backend', 'cuda'], /^figures: unknown backend 'cuda' \(expected one of: tensorflow, webgpu, wasm\)$/],
      [['--profile'], /^figures: --profile needs one value$/],
      [['--allow-unofficial-data'], /^figures: --allow-unofficial-data applies to the CIFAR-10 profiles only; preview uses the synthetic dataset$/],
    ];
    for (const [args, message] of cases) await expectRefused(args, message);
    await expect(readdir(join(dir, 'untouched'))).rejects.toThrow();
  }, 600_000);

  it('refuses cache and site folders that cannot be used, within a bounded time', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    await expectRefused([], /^figures: --cache-dir .*a-file\/cache cannot be created: .*a-file is a file, not a folder$/, join(file, 'cache'));
    await expectRefused([], /^figures: --cache-dir .*a-file is a file, not a folder$/, file);
    const started = Date.now();
    await expectRefused([], /^figures: --cache-dir \/proc\/landscape\/cache is on the kernel's proc pseudo-filesystem, which cannot hold files$/, '/proc/landscape/cache');
    expect(Date.now() - started).toBeLessThan(30_000);
    const { code, stderr } = await figures(['--cache-dir', join(dir, 'c'), '--site-dir', join(file, 'site')]);
    expect([code, stderr.trim()]).toEqual([2, `figures: --site-dir ${join(file, 'site')} cannot be created: ${file} is a file, not a folder`]);
  }, 300_000);

  it('refuses a read-only folder and a full disk (on small tmpfs mounts)', async (ctx) => {
    const readOnly = mountTmpfs(await mkdirIn('ro'), 'ro,size=1m');
    const small = mountTmpfs(await mkdirIn('small'), 'size=8m');
    if (!readOnly || !small) return ctx.skip();
    await expectRefused([], /^figures: --cache-dir .*\/ro\/cache is not writable \(EROFS\)$/, join(readOnly, 'cache'));
    await expectRefused([], /^figures: --cache-dir .*\/small\/cache: only 8\.0 MiB free on its file system \(at least 64 MiB needed\)$/, join(small, 'cache'));
  }, 300_000);

  it('checks a local CIFAR-10 copy before any training: missing, cut short, or not the official files', async () => {
    const cifar = await mkdirIn('cifar');
    const names = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
    const cifarArgs = ['--profile', 'cifar', '--cifar-dir', cifar];
    await expectRefused(cifarArgs, /^figures: CIFAR-10 in .*cifar: data_batch_1\.bin is missing$/);
    // all-zero images of the right size (sparse files): whole records, but not CIFAR-10
    for (const name of names) {
      await writeFile(join(cifar, name), '');
      await truncate(join(cifar, name), CIFAR10_FILE_BYTES);
    }
    await truncate(join(cifar, 'data_batch_3.bin'), CIFAR10_FILE_BYTES - 1);
    await expectRefused(cifarArgs, /^figures: CIFAR-10 in .*: data_batch_3\.bin has 30,729,999 bytes, not a whole number of 3,073-byte records \(cut short or padded; the official file has 30,730,000\)$/);
    await truncate(join(cifar, 'data_batch_3.bin'), CIFAR10_FILE_BYTES - RECORD_BYTES);
    await expectRefused(cifarArgs, /^figures: CIFAR-10 in .* is not the official dataset: data_batch_1\.bin has SHA-256 [0-9a-f]{16}…, the official file [0-9a-f]{16}… \(same size: its images or labels were changed\) \(and 5 more files\); --allow-unofficial-data uses it anyway$/);
  }, 300_000);
});

describe('a disk that fills up during a run', () => {
  it('stops the run in one line with exit 2; the cache stays whole and the rerun ends like a clean run', async (ctx) => {
    const disk = mountTmpfs(await mkdirIn('disk'), 'size=80m');
    if (!disk) return ctx.skip();
    const smoke = await smokeRun();
    const reference = (await readRunManifest(new Cache(smoke.cacheDir), smoke.manifestPath.split('/').pop()!.slice(0, -5))).figures.find((f) => f.id === 'fig-01')!;
    const cacheDir = join(disk, 'cache');
    const args = ['--profile', 'smoke', '--only', 'fig-01', '--no-site', '--cache-dir', cacheDir];
    const run = startPipeline({ command: 'figures', args, traceFile: join(dir, 'disk-trace.jsonl') });
    while (!readTrace(run.traceFile).some((l) => l.event === 'step-end' && l.detail === 'experiment:basin-model')) await sleep(20);
    const filler = join(disk, 'filler');
    await fill(filler);
    const { code, output } = await run.exited;
    expect(code).toBe(2);
    expect(output.trim().split('\n').pop()).toMatch(/^figures: no space left on the device of .*\/disk\/cache \(.*ENOSPC.*\); the run stopped, and every object already in the cache is whole: free some space and run again$/);
    expect(await cacheProblems(cacheDir)).toEqual([]);
    await rm(filler);
    const again = await figures(args);
    expect(again.code, again.stderr).toBe(0);
    const runId = /run manifest: (\S+)/.exec(again.stdout)![1]!;
    const rerun = (await readRunManifest(new Cache(cacheDir), runId)).figures.find((f) => f.id === 'fig-01')!;
    expect(rerun.files).toEqual(reference.files);
  }, 300_000);
});

async function mkdirIn(name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  return path;
}

/** Writes zeros into `path` until the file system has no space left. */
async function fill(path: string): Promise<void> {
  const handle = await open(path, 'w');
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
}
