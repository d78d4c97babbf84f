// Where a worker finds a job's function: in the repository the job's module is imported by its
// path; in the bundle (npm run bundle) every job module is compiled into the one program file,
// and its entry hands them over here before anything runs. Which modules the bundle compiles in:
// JOB_MODULES (pipeline/steps.ts), every module a step declares in its `jobs`, which are also the
// only ones the runner lets a step run.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../root.ts';
import type { JobFunction } from './pool.ts';

type Loader = () => Promise<Record<string, unknown>>;

/** In a bundle: the job modules compiled into it, by path. */
let compiledIn: Record<string, Loader> | null = null;

export function useCompiledJobModules(modules: Record<string, Loader>): void {
  compiledIn = modules;
}

/** The job function `fn` of `module`: imported from the repository, or taken from the bundle. */
export async function jobFunction(module: string, fn: string): Promise<JobFunction<unknown, unknown>> {
  let exports: Record<string, unknown>;
  if (compiledIn) {
    const load = compiledIn[module];
    if (!load) throw new Error(`${module} is not a job module of this bundle (it has: ${Object.keys(compiledIn).join(', ')})`);
    exports = await load();
  } else {
    exports = (await import(pathToFileURL(join(ROOT, module)).href)) as Record<string, unknown>;
  }
  const found = exports[fn];
  if (typeof found !== 'function') throw new Error(`${module} has no exported function ${fn}`);
  return found as JobFunction<unknown, unknown>;
}
