// What the Slurm executor reads from scontrol and writes for sbatch, and its options' checks.
import { describe, expect, it } from 'vitest';
import { executorProblem, slurmSettings } from '../../pipeline/workers/slurm/options.ts';
import { arraySpec, expandIndices, parseShowJob } from '../../pipeline/workers/slurm/scheduler.ts';

describe('scontrol and sbatch', () => {
  it('reads each array task, pending ranges expanded', () => {
    const text = [
      'JobId=41 ArrayJobId=40 ArrayTaskId=0 JobName=x JobState=COMPLETED Reason=None ExitCode=0:0 BatchHost=n1 NodeList=n1',
      'JobId=42 ArrayJobId=40 ArrayTaskId=1 JobName=x JobState=FAILED Reason=NonZeroExitCode ExitCode=1:0 BatchHost=n2 NodeList=n2',
      'JobId=40 ArrayJobId=40 ArrayTaskId=2-3,5%2 JobName=x JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0 NodeList=(null)',
    ].join('\n');
    expect(parseShowJob(text)).toEqual([
      { index: 0, state: 'COMPLETED', exitCode: 0, signal: 0, node: 'n1', id: '40_0' },
      { index: 1, state: 'FAILED', exitCode: 1, signal: 0, node: 'n2', id: '40_1' },
      ...[2, 3, 5].map((index) => ({ index, state: 'PENDING', exitCode: 0, signal: 0, node: null, id: `40_${index}` })),
    ]);
  });

  it('writes the --array of any indices, with the limit on tasks at once', () => {
    expect(arraySpec([0, 1, 2, 3])).toBe('0-3');
    expect(arraySpec([5, 1, 2, 7], 4)).toBe('1-2,5,7%4');
    expect(expandIndices('1-2,5,7%4')).toEqual([1, 2, 5, 7]);
  });
});

describe('executor options', () => {
  it('accepts the Slurm settings and refuses what Slurm would not', () => {
    expect(executorProblem({ executor: 'slurm', 'slurm-partition': 'gpu', 'slurm-gres': 'gpu:a100:1', 'slurm-time': '1-02:00:00', 'slurm-max-parallel': '8', retries: '0' })).toBeNull();
    expect(slurmSettings({ executor: 'slurm', 'slurm-gres': 'gpu:1' })).toEqual({ gres: 'gpu:1', retries: 2 });
    expect(executorProblem({ executor: 'cloud' })).toBe("unknown executor 'cloud' (expected one of: local, slurm)");
    expect(executorProblem({ 'slurm-gres': 'gpu:1' })).toBe('--slurm-gres applies to --executor slurm only');
    // the plan estimates with that many tasks whatever the executor
    expect(executorProblem({ 'slurm-max-parallel': '32', plan: true })).toBeNull();
    expect(executorProblem({ 'slurm-max-parallel': '32' })).toBe('--slurm-max-parallel applies to --executor slurm only');
    expect(executorProblem({ executor: 'slurm', jobs: '4' })).toMatch(/^--jobs sets the local worker processes/);
    expect(executorProblem({ executor: 'slurm', 'slurm-time': 'two hours' })).toMatch(/^--slurm-time: 'two hours' is not a Slurm time limit/);
    expect(executorProblem({ executor: 'slurm', retries: '-1' })).toBe("--retries needs a whole number of at least 0, got '-1'");
    expect(executorProblem({ executor: 'slurm', 'slurm-max-parallel': '0' })).toBe("--slurm-max-parallel needs a whole number of at least 1, got '0'");
  });
});
