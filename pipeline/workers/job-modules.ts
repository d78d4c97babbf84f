// The modules whose exported functions run as jobs in worker processes (pool.ts), in one list.
// The bundle (npm run bundle) compiles in exactly these, so that a job the pipeline hands to a
// compute node finds its module there: a job names its module by one of these paths, and one
// that is not listed fails here, in the repository, as it would on the node.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../root.ts';
import type { JobFunction } from './pool.ts';

export const JOB_MODULES: readonly string[] = ['pipeline/experiments/sgd-stages/trajectory.ts'];

type Loader = () => Promise<Record<string, unknown>>;

/** In a bundle: the job modules compiled into it, by path (set by its entry before anything runs). */
let compiledIn: Record<string, Loader> | null = null;

export function useCompiledJobModules(modules: Record<string, Loader>): void {
  compiledIn = modules;
}

/** Test fixtures (tests/) may run as jobs in the repository; they are never bundled. */
function listed(module: string): boolean {
  return JOB_MODULES.includes(module) || module.startsWith('tests/');
}

/** The job function `fn` of `module`: imported from the repository, or taken from the bundle. */
export async function jobFunction(module: string, fn: string): Promise<JobFunction<unknown, unknown>> {
  let exports: Record<string, unknown>;
  if (compiledIn) {
    const load = compiledIn[module];
    if (!load) throw new Error(`${module} is not a job module of this bundle (it has: ${Object.keys(compiledIn).join(', ')})`);
    exports = await load();
  } else {
    if (!listed(module)) throw new Error(`${module} is not a job module: add it to JOB_MODULES in pipeline/workers/job-modules.ts, so that the bundle carries it`);
    exports = (await import(pathToFileURL(join(ROOT, module)).href)) as Record<string, unknown>;
  }
  const found = exports[fn];
  if (typeof found !== 'function') throw new Error(`${module} has no exported function ${fn}`);
  return found as JobFunction<unknown, unknown>;
}
