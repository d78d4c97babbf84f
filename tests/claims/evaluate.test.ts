// The claims runner: a claim that fails is reported with its numbers, not thrown; a claim that
// needs the paper's regime is not applicable outside it (its numbers still shown); a claim can say
// itself why it does not apply; an evaluation that throws is a bug and is not hidden.
import { describe, expect, it } from 'vitest';
import { notApplicable, type ClaimDecl, type ClaimModule } from '../../pipeline/claims/claim.ts';
import { evaluateClaims } from '../../pipeline/claims/evaluate.ts';
import { regimeOf } from '../../pipeline/experiments/kit/regime.ts';

const claim = (id: string, evaluate: ClaimDecl['evaluate'], needsRegime = false): ClaimDecl => ({
  id,
  statement: `statement of ${id}`,
  figures: ['fig-03'],
  threshold: 'x >= 1',
  needsRegime,
  evaluate,
});

const module = (trainError: number, claims: ClaimDecl[]): ClaimModule => ({
  claims,
  regime: async () => regimeOf([0, trainError], 'the toy models'),
});

const passing = claim('passes', async () => ({ passed: true, numbers: { x: 2 }, summary: 'x is 2' }));
const failing = claim('fails', async () => ({ passed: false, numbers: { x: 0.5 }, summary: 'x is 0.5' }));
const regimeBound = claim('in-regime', async () => ({ passed: true, numbers: { x: 3 }, summary: 'x is 3' }), true);
const selfExcused = claim('too-few', async () => notApplicable('the run has one stage', { stages: 1 }));

describe('evaluateClaims', () => {
  it('reports passes and failures with their numbers', async () => {
    const results = await evaluateClaims(module(0, [passing, failing]), { inputs: {} });
    expect(results.map((r) => [r.id, r.status, r.numbers['x']])).toEqual([
      ['passes', 'pass', 2],
      ['fails', 'fail', 0.5],
    ]);
    expect(results[1]).toMatchObject({ statement: 'statement of fails', figures: ['fig-03'], threshold: 'x >= 1', summary: 'x is 0.5' });
  });

  it('marks regime-bound claims not applicable outside the regime, keeping their numbers', async () => {
    const outside = await evaluateClaims(module(0.12, [regimeBound, failing]), { inputs: {} });
    expect(outside[0]).toMatchObject({ status: 'not-applicable', numbers: { x: 3 }, reason: expect.stringMatching(/Outside the paper's regime: the toy models end at up to 12.0 % training error/) });
    expect(outside[1]!.status).toBe('fail');
    const inside = await evaluateClaims(module(0.004, [regimeBound]), { inputs: {} });
    expect(inside[0]!.status).toBe('pass');
  });

  it('lets a claim say why it does not apply', async () => {
    const [result] = await evaluateClaims(module(0, [selfExcused]), { inputs: {} });
    expect(result).toMatchObject({ status: 'not-applicable', reason: 'the run has one stage', numbers: { stages: 1 } });
  });

  it('does not hide an evaluation that throws, nor a regime-bound claim without a regime', async () => {
    const broken = claim('broken', async () => {
      throw new Error('cannot read the artifact');
    });
    await expect(evaluateClaims(module(0, [passing, broken]), { inputs: {} })).rejects.toThrow(/cannot read the artifact/);
    await expect(evaluateClaims({ claims: [regimeBound] }, { inputs: {} })).rejects.toThrow(/exports no regime/);
  });
});
