// The bundle's code: the command line (tools/landscape.ts), the job modules (JOB_MODULES, every
// module a step declares in its `jobs`) and
// everything they import, TypeScript and npm packages alike, compiled by esbuild into one ES
// module, app/landscape.mjs. Left out: Dawn (`webgpu`, a native addon, carried beside it) and
// the TensorFlow bindings (tfjs-node, which need libtensorflow and are never bundled).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT, type BundleInfo } from '../../pipeline/root.ts';
import { JOB_MODULES } from '../../pipeline/steps.ts';

export const PROGRAM_FILE = 'app/landscape.mjs';
const EXTERNAL_PACKAGES = ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

/**
 * The entry: the job modules handed to job-modules.ts (each loaded when a job first needs it),
 * then the command line.
 */
export function entrySource(modules: readonly string[] = JOB_MODULES): string {
  const loaders = modules.map((m) => `  ${JSON.stringify(m)}: () => import(${JSON.stringify(`./${m}`)}),`).join('\n');
  return [
    "import { useCompiledJobModules } from './pipeline/workers/job-modules.ts';",
    `useCompiledJobModules({\n${loaders}\n});`,
    "await import('./tools/landscape.ts');",
    '',
  ].join('\n');
}

// The npm packages include CommonJS written for Node: in an ES module they need `require`,
// `__filename` and `__dirname` (the wasm backend finds its .wasm files beside the program by it).
const BANNER = [
  "import { createRequire as __landscapeCreateRequire } from 'node:module';",
  "import { fileURLToPath as __landscapeFileURLToPath } from 'node:url';",
  "import { dirname as __landscapeDirname } from 'node:path';",
  'const require = __landscapeCreateRequire(import.meta.url);',
  'const __filename = __landscapeFileURLToPath(import.meta.url);',
  'const __dirname = __landscapeDirname(__filename);',
].join('\n');

/** The package a bundled file belongs to ('@scope/name' or 'name'), from its path; null for our own. */
function packageOf(input: string): string | null {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return null;
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/**
 * Compiles the program into `stageDir`/app/landscape.mjs with `info` (packages filled in here:
 * those compiled in, and Dawn); returns the completed info.
 */
export async function compileProgram(stageDir: string, info: Omit<BundleInfo, 'packages'>, dawnVersion: string | null): Promise<BundleInfo> {
  // which packages go in is known only from a build, and their versions go into the program: a
  // first build finds them (nothing written), the second writes the program
  const build = (packages: Record<string, string>, write: boolean) =>
    esbuild.build({
      write,
      stdin: { contents: entrySource(), resolveDir: ROOT, sourcefile: 'bundle-entry.ts', loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: join(stageDir, PROGRAM_FILE),
      external: EXTERNAL_PACKAGES,
      banner: { js: BANNER },
      define: { LANDSCAPE_BUNDLE: JSON.stringify({ ...info, packages }) },
      legalComments: 'eof',
      metafile: true,
      logLevel: 'error',
    });
  const first = await build({}, false);
  const packages: Record<string, string> = {};
  for (const input of Object.keys(first.metafile.inputs)) {
    const name = packageOf(input);
    if (!name || name in packages) continue;
    const at = input.lastIndexOf('node_modules/');
    const manifest = join(ROOT, input.slice(0, at), 'node_modules', name, 'package.json');
    packages[name] = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  if (dawnVersion) packages.webgpu = dawnVersion;
  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
  await build(sorted, true);
  return { ...info, packages: sorted };
}
