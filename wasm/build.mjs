// Compiles the SIMD wasm kernels (wasm/assembly, AssemblyScript) to wasm/build/kernels.wasm, and
// the same source with relaxed SIMD (fused multiply-add) to wasm/build/kernels-fma.wasm.
// Run by the root package's `install` script after the native addon; it never fails the
// install: when the kernels cannot be built it prints one line saying why and exits 0, and
// the engine uses the wasm backend's own kernels (XNNPACK).
//
//   node wasm/build.mjs
//
// The output is written beside as .tmp and renamed only once complete, so a failed build
// never leaves a partial module that the engine fingerprint would hash.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const output = join(here, 'build', 'kernels.wasm');
const fmaOutput = join(here, 'build', 'kernels-fma.wasm');
const say = (line) => console.log(`landscape simd kernels: ${line}`);
const shown = (p) => relative(process.cwd(), p) || '.';

// Shared imported memory (the threads), SIMD, no runtime: the kernels only touch memory the
// caller hands them. 32768 pages = 2 GiB, the most the pool grows to.
const ASC_ARGS = [
  'assembly/index.ts', '-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort=',
  '--enable', 'simd', '--enable', 'threads', '--importMemory', '--sharedMemory',
  '--initialMemory', '1', '--maximumMemory', '32768',
];

/** Compiles one build to `file`, via `file`.tmp; returns null or the first error line. */
async function compile(asc, file, extra) {
  const tmp = `${file}.tmp`;
  const messages = [];
  const sink = { write: (text) => { messages.push(String(text)); return true; } };
  const cwd = process.cwd();
  process.chdir(here);
  let result;
  try {
    result = await asc.main([...ASC_ARGS, ...extra, '--outFile', tmp], { stdout: sink, stderr: sink });
  } finally {
    process.chdir(cwd);
  }
  if (result.error) {
    rmSync(tmp, { force: true });
    return (messages.join('').split('\n').find((l) => /ERROR/.test(l)) ?? String(result.error.message ?? result.error)).trim();
  }
  renameSync(tmp, file);
  return null;
}

async function build() {
  rmSync(output, { force: true });
  rmSync(fmaOutput, { force: true });
  let asc;
  try {
    asc = (await import('assemblyscript/asc')).default;
  } catch {
    return say('not built (assemblyscript is not installed); the wasm backend\'s own kernels will be used');
  }
  mkdirSync(dirname(output), { recursive: true });
  const failed = await compile(asc, output, []);
  if (failed) return say(`build failed (${failed}); the wasm backend's own kernels will be used`);
  // the same source with relaxed SIMD: used where the runtime has it (fingerprint.ts)
  const fmaFailed = await compile(asc, fmaOutput, ['--enable', 'relaxed-simd']);
  say(`built ${shown(output)}` + (fmaFailed ? ` (not the relaxed-SIMD build: ${fmaFailed})` : ` and ${shown(fmaOutput)}`));
}

try {
  await build();
} catch (error) {
  say(`not built (${String(error?.message ?? error).split('\n')[0]}); the wasm backend's own kernels will be used`);
}
process.exitCode = 0;
