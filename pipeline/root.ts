// Where this program's files are, and whether it runs from the repository or from a bundle.
//
// In the repository the TypeScript runs through tsx and npm packages come from node_modules/. In
// a bundle (npm run bundle; tools/bundle/) the code is one file, app/landscape.mjs, and every
// other file the code opens (the kernels' .wasm and addon, the SIMD worker, the PyTorch
// reference, Dawn) sits at its repository path. This module and app/landscape.mjs are both one
// folder below the root, so `..` from here is the root in both.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a bundle records about itself (set at build time, tools/bundle/build.ts). */
export interface BundleInfo {
  /** the git commit it was built from, and whether tracked files differed from it */
  commit: string | null;
  dirty: boolean | null;
  builtAt: string;
  /** the Node version it carries */
  node: string;
  /** the npm packages compiled into app/landscape.mjs (and Dawn beside it), with their versions */
  packages: Record<string, string>;
}

// replaced by the bundle's build (esbuild `define`); an undeclared global in the repository
declare const LANDSCAPE_BUNDLE: BundleInfo | undefined;

/** This bundle's record, or null when running from the repository. */
export const BUNDLE: BundleInfo | null = typeof LANDSCAPE_BUNDLE === 'undefined' ? null : LANDSCAPE_BUNDLE;

/** The repository root, or the bundle's folder. */
export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

const require = createRequire(import.meta.url);

/** The installed (or bundled) version of an npm package; null when it is not there. */
export function packageVersion(pkg: string): string | null {
  const bundled = BUNDLE?.packages[pkg];
  if (bundled) return bundled;
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

/**
 * Node arguments that run one of this program's commands in a child process: in the repository
 * `module` through tsx, in a bundle its program file with `command` (the same arguments follow).
 */
export function programArgs(module: string, command: string[], args: string[]): { execArgv: string[]; file: string; args: string[] } {
  if (BUNDLE) return { execArgv: [], file: fileURLToPath(import.meta.url), args: [...command, ...args] };
  return { execArgv: ['--import', 'tsx'], file: join(ROOT, module), args };
}

/** The git commit of a checkout and whether its tracked files differ from it (nulls outside git). */
export function gitState(repoRoot: string): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}
