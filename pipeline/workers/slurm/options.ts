// The executor options of `npm run figures`, checked before anything runs (usage.ts), and the
// settings they give.
import type { SlurmSettings } from './records.ts';

export const EXECUTOR_NAMES = ['local', 'slurm'] as const;
export const DEFAULT_RETRIES = 2;

export interface ExecutorArgs {
  executor?: string;
  jobs?: string;
  'slurm-partition'?: string;
  'slurm-gres'?: string;
  'slurm-time'?: string;
  'slurm-max-parallel'?: string;
  retries?: string;
  /** --plan estimates with --slurm-max-parallel tasks whatever the executor */
  plan?: boolean;
}

const SLURM_FLAGS = ['slurm-partition', 'slurm-gres', 'slurm-time', 'slurm-max-parallel'] as const;

/** The first problem with the executor options, in one line, or null. */
export function executorProblem(args: ExecutorArgs): string | null {
  const executor = args.executor ?? 'local';
  if (!(EXECUTOR_NAMES as readonly string[]).includes(executor)) return `unknown executor '${executor}' (expected one of: ${EXECUTOR_NAMES.join(', ')})`;
  if (executor === 'local') {
    const given = [...SLURM_FLAGS, 'retries' as const].find((f) => args[f] !== undefined && !(args.plan && f === 'slurm-max-parallel'));
    if (given) return `--${given} applies to --executor slurm only`;
    return countProblem(args);
  }
  if (args.jobs !== undefined) return '--jobs sets the local worker processes; with --executor slurm, --slurm-max-parallel limits the tasks running at once';
  const partition = args['slurm-partition'];
  if (partition !== undefined && !/^[\w.,-]+$/.test(partition)) return `--slurm-partition: '${partition}' is not a partition name (or a comma-separated list of them)`;
  const gres = args['slurm-gres'];
  if (gres !== undefined && !/^[\w.-]+(:[\w.-]+)*(,[\w.-]+(:[\w.-]+)*)*$/.test(gres)) return `--slurm-gres: '${gres}' is not a generic resource, e.g. gpu:1 or gpu:a100:1`;
  const time = args['slurm-time'];
  if (time !== undefined && !/^(\d+-)?\d+(:\d+){0,2}$/.test(time)) return `--slurm-time: '${time}' is not a Slurm time limit (minutes, HH:MM:SS or D-HH:MM:SS)`;
  return countProblem(args);
}

function countProblem(args: ExecutorArgs): string | null {
  for (const [flag, min] of [['slurm-max-parallel', 1], ['retries', 0]] as const) {
    const value = args[flag];
    if (value !== undefined && !(Number.isInteger(Number(value)) && Number(value) >= min && value.trim() !== '')) return `--${flag} needs a whole number of at least ${min}, got '${value}'`;
  }
  return null;
}

/** The Slurm settings of valid arguments, or null for the local executor. */
export function slurmSettings(args: ExecutorArgs): SlurmSettings | null {
  if ((args.executor ?? 'local') !== 'slurm') return null;
  return {
    ...(args['slurm-partition'] ? { partition: args['slurm-partition'] } : {}),
    ...(args['slurm-gres'] ? { gres: args['slurm-gres'] } : {}),
    ...(args['slurm-time'] ? { time: args['slurm-time'] } : {}),
    ...(args['slurm-max-parallel'] ? { maxParallel: Number(args['slurm-max-parallel']) } : {}),
    retries: args.retries === undefined ? DEFAULT_RETRIES : Number(args.retries),
  };
}
