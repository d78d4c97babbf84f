// The options of `npm run figures` checked before anything runs: a bad value is a usage error
// (one line, exit code 2), never a failure found halfway through a run.
import { CATALOG } from '../figures/catalog.ts';
import { BACKEND_NAMES } from './engine/fingerprint.ts';
import { getProfile, PROFILE_NAMES } from './profiles.ts';
import { executorProblem, type ExecutorArgs } from './workers/slurm/options.ts';

/** Exit code of a usage error or of bad input (1 is a run that failed). */
export const USAGE_EXIT = 2;

export interface FiguresArgs extends ExecutorArgs {
  profile: string;
  only?: string;
  explain?: string;
  jobs?: string;
  backend?: string;
  'allow-unofficial-data'?: boolean;
}

function figureProblem(id: string, option: string): string | null {
  const entry = CATALOG.find((e) => e.id === id);
  if (!entry) return `${option}: unknown figure '${id}' (figures are fig-01 .. fig-${String(CATALOG.length).padStart(2, '0')})`;
  if (!entry.build) return `${option}: ${id} (${entry.title}) has no figure module yet, so it cannot be built`;
  return null;
}

/** The first problem with the options, in one line, or null. */
export function usageProblem(args: FiguresArgs): string | null {
  if (!(PROFILE_NAMES as readonly string[]).includes(args.profile)) return `unknown profile '${args.profile}' (expected one of: ${PROFILE_NAMES.join(', ')})`;
  const profile = getProfile(args.profile);
  if (args['allow-unofficial-data'] && profile.data.kind !== 'cifar') {
    return `--allow-unofficial-data applies to the CIFAR-10 profiles only; ${profile.name} uses the synthetic dataset`;
  }
  if (args.jobs !== undefined) {
    const jobs = Number(args.jobs);
    if (!(Number.isInteger(jobs) && jobs >= 1)) return `--jobs needs a whole number of at least 1, got '${args.jobs}'`;
  }
  const executor = executorProblem(args);
  if (executor) return executor;
  if (args.backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(args.backend)) {
    return `unknown backend '${args.backend}' (expected one of: ${BACKEND_NAMES.join(', ')})`;
  }
  if (args.only !== undefined) {
    const ids = args.only.split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length === 0) return '--only needs at least one figure id, e.g. --only fig-03';
    for (const id of ids) {
      const problem = figureProblem(id, '--only');
      if (problem) return problem;
    }
  }
  if (args.explain !== undefined) return figureProblem(args.explain, '--explain');
  return null;
}
