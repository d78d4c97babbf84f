// Builds the optional native kernel addon (binding.gyp) with node-gyp. Run by the root package's
// `install` script; it never fails the install: when the addon cannot be built (no OpenBLAS
// headers, no compiler, LANDSCAPE_NATIVE=0) it prints one line saying so and exits 0, and the
// engine uses the npm-only wasm kernels.
//
//   node native/build.mjs                         build (or explain why not)
//   node native/build.mjs --print include_dirs    for binding.gyp: where cblas.h is
//   node native/build.mjs --print libraries       for binding.gyp: how to link OpenBLAS
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const addonFile = join(here, 'build', 'Release', 'landscape_native.node');
const logFile = join(here, 'build', 'build.log');
const shown = (p) => relative(process.cwd(), p) || '.';
const say = (line) => console.log(`landscape native kernels: ${line}`);

/** -I directories and -L/-l flags of OpenBLAS: pkg-config when it knows it, else the usual places. */
function blasFlags() {
  const pkg = (what) => {
    const r = spawnSync('pkg-config', [what, 'openblas'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim().split(/\s+/).filter(Boolean) : null;
  };
  const includeFlags = pkg('--cflags-only-I');
  const libFlags = pkg('--libs');
  const multiarch = spawnSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).stdout?.trim();
  const candidates = [
    ...(includeFlags ?? []).map((f) => f.replace(/^-I/, '')),
    '/usr/include',
    ...(multiarch ? [`/usr/include/${multiarch}`] : []),
    '/usr/include/openblas',
    '/usr/local/include',
  ];
  const headerDir = candidates.find((d) => existsSync(join(d, 'cblas.h')));
  return { headerDir, includeDirs: headerDir ? [headerDir] : [], libraries: libFlags ?? ['-lopenblas'] };
}

function disabled() {
  return ['0', 'false', 'off', 'no'].includes((process.env.LANDSCAPE_NATIVE ?? '').trim().toLowerCase());
}

/** npm's own node-gyp (npm sets npm_config_node_gyp for scripts), else the one next to npm, else PATH. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

function lastErrorLine(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const compiler = lines.find((l) => /\berror: /i.test(l) && !/^gyp /.test(l));
  const stack = lines.find((l) => /^gyp ERR! stack \w*Error: /.test(l))?.replace(/^gyp ERR! stack /, '');
  return compiler ?? stack ?? lines.filter((l) => !/^gyp /.test(l)).pop() ?? lines.pop() ?? 'no output';
}

/** Where node's headers are: npm's nodedir setting, else the prefix node was installed under. */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefixes = [process.config?.variables?.node_prefix, dirname(dirname(process.execPath))];
  return prefixes.find((p) => p && existsSync(join(p, 'include', 'node', 'common.gypi'))) ?? null;
}

function build() {
  // after an install the addon is there if and only if this install built it
  rmSync(addonFile, { force: true });
  if (disabled()) return say('not built (LANDSCAPE_NATIVE=0); the npm-only wasm kernels will be used');
  const require = createRequire(import.meta.url);
  try {
    require.resolve('node-addon-api');
  } catch {
    return say('not built (node-addon-api is not installed); the npm-only wasm kernels will be used');
  }
  const { headerDir } = blasFlags();
  if (!headerDir) {
    return say('not built (no OpenBLAS headers: cblas.h not found; on Debian: apt-get install libopenblas-dev); the npm-only wasm kernels will be used');
  }
  const [command, ...prefix] = nodeGyp();
  const args = [...prefix, 'rebuild', '--release', `--jobs=${Math.max(1, (globalThis.navigator?.hardwareConcurrency ?? 2))}`];
  const headers = nodeDir();
  if (headers) args.push(`--nodedir=${headers}`);
  const result = spawnSync(command, args, { cwd: here, encoding: 'utf8', env: process.env, maxBuffer: 64 << 20 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, output);
  if (result.status !== 0 || !existsSync(addonFile)) {
    rmSync(addonFile, { force: true });
    return say(`build failed (${lastErrorLine(output)}; log: ${shown(logFile)}); the npm-only wasm kernels will be used`);
  }
  // a binary that builds but does not load (say, a missing shared library) is removed, so
  // that the engine fingerprint predicted from its presence stays right
  const check = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addonFile)}).init(1, 0)`], { encoding: 'utf8' });
  if (check.status !== 0) {
    rmSync(addonFile, { force: true });
    return say(`built but does not load (${lastErrorLine(check.stderr ?? '')}); the npm-only wasm kernels will be used`);
  }
  say(`built ${shown(addonFile)} (OpenBLAS, headers in ${headerDir})`);
}

const printIndex = process.argv.indexOf('--print');
if (printIndex >= 0) {
  const what = process.argv[printIndex + 1];
  const flags = blasFlags();
  if (what === 'include_dirs') console.log(flags.includeDirs.join(' '));
  else if (what === 'libraries') console.log(flags.libraries.join(' '));
  else {
    console.error(`build.mjs: --print include_dirs|libraries, got '${what}'`);
    process.exit(1);
  }
} else {
  try {
    build();
  } catch (error) {
    say(`not built (${String(error?.message ?? error).split('\n')[0]}); the npm-only wasm kernels will be used`);
  }
  process.exitCode = 0;
}
