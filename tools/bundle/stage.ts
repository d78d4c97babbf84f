// The bundle's folder (npm run bundle; build.ts): every file at the path where the code opens it
// (pipeline/root.ts), and BUNDLE.json, the build's record with each file's size and SHA-256.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { NATIVE_ADDON_PATH, SIMD_FMA_KERNELS_PATH, SIMD_KERNELS_PATH } from '../../pipeline/engine/fingerprint.ts';
import { SIMD_WORKER_PATH } from '../../pipeline/engine/simd-pool.ts';
import { gitState, packageVersion, ROOT, type BundleInfo } from '../../pipeline/root.ts';
import { TORCH_REFERENCE_PATH } from '../torch-reference.ts';
import { compileProgram, PROGRAM_FILE } from './compile.ts';
import { extractNode, NODE_PACKAGE, nodePackage } from './node-binary.ts';
import { carry, carryVulkanLoader, linkedLibraries } from './system-libraries.ts';

/** Target size of the archive: what a file transfer to a cluster or a small quota takes easily. */
export const TARGET_BYTES = 48 * 2 ** 20;
const DAWN_BINARY = 'node_modules/webgpu/dist/linux-x64/dawn.node';
const DAWN_FILES = ['node_modules/webgpu/package.json', 'node_modules/webgpu/index.js', 'node_modules/webgpu/LICENSE.md', DAWN_BINARY];
const TFJS_WASM_DIR = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';

/** Copies a repository file (or `from`) to the same path in the stage. */
function copyAtPath(stage: string, path: string, from = join(ROOT, path)): void {
  mkdirSync(dirname(join(stage, path)), { recursive: true });
  copyFileSync(from, join(stage, path));
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  ).sort();
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Fills `stage` with the bundle; `notes` gets what it lacks and why, `say` its progress. The
 * Node package is fetched into, and then reused from, `cacheDir`.
 */
export async function stageBundle(stage: string, cacheDir: string, notes: string[], say: (text: string) => void): Promise<BundleInfo> {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`the bundle is for Linux x86-64 and is built on one (this is ${process.platform} ${process.arch})`);
  for (const path of [SIMD_KERNELS_PATH, SIMD_FMA_KERNELS_PATH]) {
    if (!existsSync(join(ROOT, path))) throw new Error(`${path} is missing: npm ci (or npm run install) builds it`);
  }
  const git = gitState(ROOT);

  say(`Node: ${NODE_PACKAGE.name}@${NODE_PACKAGE.version} (npm)`);
  await extractNode(nodePackage(cacheDir), join(stage, 'node'));
  if (`v${NODE_PACKAGE.version}` !== process.version) notes.push(`the bundle carries Node ${NODE_PACKAGE.version}; this is Node ${process.version.slice(1)}`);

  const dawn = existsSync(join(ROOT, DAWN_BINARY)) ? packageVersion('webgpu') : null;
  say('program: esbuild');
  const info = await compileProgram(stage, { commit: git.commit, dirty: git.dirty, builtAt: new Date().toISOString(), node: NODE_PACKAGE.version }, dawn);
  for (const file of readdirSync(join(ROOT, TFJS_WASM_DIR)).filter((f) => f.endsWith('.wasm'))) {
    copyAtPath(stage, join(dirname(PROGRAM_FILE), file), join(ROOT, TFJS_WASM_DIR, file));
  }

  say('kernels, Dawn, libraries');
  for (const path of [SIMD_KERNELS_PATH, SIMD_FMA_KERNELS_PATH, SIMD_WORKER_PATH, TORCH_REFERENCE_PATH]) copyAtPath(stage, path);
  const licenses = join(stage, 'licenses');
  if (existsSync(join(ROOT, NATIVE_ADDON_PATH))) {
    copyAtPath(stage, NATIVE_ADDON_PATH);
    for (const library of linkedLibraries(join(ROOT, NATIVE_ADDON_PATH))) carry(library, dirname(join(stage, NATIVE_ADDON_PATH)), licenses);
  } else notes.push(`no native addon (${NATIVE_ADDON_PATH} is not built here): the bundle's CPU engine is the SIMD wasm kernels`);
  if (dawn) {
    for (const path of DAWN_FILES) copyAtPath(stage, path);
  } else notes.push('no Dawn (the optional webgpu package is not installed here): the bundle has no GPU engine');
  const vulkan = carryVulkanLoader(join(stage, 'lib', 'vulkan'), licenses);
  say(`Vulkan loader from ${vulkan}`);
  copyAtPath(stage, 'licenses/node.LICENSE', join(stage, 'node', 'LICENSE'));
  copyAtPath(stage, 'landscape', join(ROOT, 'tools', 'bundle', 'landscape.sh'));
  copyAtPath(stage, 'README.txt', join(ROOT, 'tools', 'bundle', 'README.txt'));
  chmodSync(join(stage, 'landscape'), 0o755);

  const files = Object.fromEntries(listFiles(stage).map((f) => [f, { bytes: statSync(join(stage, f)).size, sha256: sha256(join(stage, f)) }]));
  writeFileSync(join(stage, 'BUNDLE.json'), `${JSON.stringify({ ...info, files }, null, 1)}\n`);
  return info;
}

