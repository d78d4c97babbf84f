// The paper's claims checked in two runs: which changed their verdict (pass -> fail first) or
// their numbers, and which exist in one run only. Claims pair by id.
import type { ClaimResult } from '../claims/types.ts';
import { relativeDifference, withinTolerance, type ClaimDiff, type Tolerance } from './types.ts';

/** The order every report lists claim changes in: what broke first. */
const ORDER: ClaimDiff['change'][] = ['pass -> fail', 'fail -> pass', 'status changed', 'removed', 'added', 'numbers changed'];

function numberChanges(a: ClaimResult | undefined, b: ClaimResult | undefined): ClaimDiff['numbers'] {
  const names = [...new Set([...Object.keys(a?.numbers ?? {}), ...Object.keys(b?.numbers ?? {})])];
  const out: ClaimDiff['numbers'] = [];
  for (const name of names) {
    const va = a?.numbers[name] ?? null;
    const vb = b?.numbers[name] ?? null;
    if (va === vb) continue;
    const both = va !== null && vb !== null;
    out.push({ name, a: va, b: vb, delta: both ? vb - va : null, rel: both ? relativeDifference(va, vb) : null });
  }
  return out;
}

function changeOf(a: ClaimResult | undefined, b: ClaimResult | undefined): ClaimDiff['change'] | null {
  if (!a) return 'added';
  if (!b) return 'removed';
  if (a.status === 'pass' && b.status === 'fail') return 'pass -> fail';
  if (a.status === 'fail' && b.status === 'pass') return 'fail -> pass';
  if (a.status !== b.status) return 'status changed';
  return null;
}

export function compareClaims(a: ClaimResult[] | undefined, b: ClaimResult[] | undefined, tolerance: Tolerance): ClaimDiff[] {
  const byIdA = new Map((a ?? []).map((c) => [c.id, c]));
  const byIdB = new Map((b ?? []).map((c) => [c.id, c]));
  const ids = [...new Set([...byIdA.keys(), ...byIdB.keys()])];
  const out: ClaimDiff[] = [];
  for (const id of ids) {
    const ca = byIdA.get(id);
    const cb = byIdB.get(id);
    const numbers = numberChanges(ca, cb);
    const change = changeOf(ca, cb) ?? (numbers.length > 0 ? 'numbers changed' : null);
    if (!change) continue;
    const numbersWithin = numbers.every((n) => n.a !== null && n.b !== null && withinTolerance(n.a, n.b, tolerance));
    const claim = (cb ?? ca)!;
    out.push({
      id,
      statement: claim.statement,
      figures: [...new Set([...(ca?.figures ?? []), ...(cb?.figures ?? [])])],
      change,
      status: { a: ca?.status ?? null, b: cb?.status ?? null },
      numbers,
      withinTolerance: change === 'numbers changed' && numbersWithin,
    });
  }
  return out.sort((x, y) => ORDER.indexOf(x.change) - ORDER.indexOf(y.change) || x.id.localeCompare(y.id));
}
