// How a claim of the paper is declared: once, beside the experiment whose artifacts it reads
// (`<experiment>/claims.ts` exports `claims: ClaimDecl[]`). A claim must be able to fail on real
// data; what holds by construction belongs in the tests.
import type { Regime } from '../experiments/kit/regime.ts';
import type { ArtifactRef } from '../step.ts';

export interface ClaimInputs {
  /** the artifacts of the claim group's input steps, by step name */
  inputs: Record<string, ArtifactRef>;
}

export type ClaimOutcome =
  | { passed: boolean; numbers: Record<string, number | null>; summary: string }
  | { notApplicable: string; numbers?: Record<string, number | null>; summary?: string };

export interface ClaimDecl {
  id: string;
  statement: string;
  figures: string[];
  threshold: string;
  /** a claim about networks that fit their data is not applicable to a run that does not */
  needsRegime?: boolean;
  evaluate(ctx: ClaimInputs): Promise<ClaimOutcome>;
}

/** What a claims module exports. */
export interface ClaimModule {
  claims: ClaimDecl[];
  /** the run's regime, for claims that need it (required when any claim does) */
  regime?: (ctx: ClaimInputs) => Promise<Regime>;
}

/**
 * What a claims module reads from one input step, loaded once per artifact however many of its
 * claims ask: `const e3 = artifactLoader('experiment:sgd-stages', async (ref) => ...)`.
 */
export function artifactLoader<T>(step: string, load: (ref: ArtifactRef) => Promise<T>): (ctx: ClaimInputs) => Promise<T> {
  const loaded = new Map<string, Promise<T>>();
  return (ctx) => {
    const ref = ctx.inputs[step];
    if (!ref) throw new Error(`the claims need the artifact of '${step}'`);
    let entry = loaded.get(ref.dir);
    if (!entry) {
      entry = load(ref);
      loaded.set(ref.dir, entry);
    }
    return entry;
  };
}

export function notApplicable(reason: string, numbers?: Record<string, number | null>): ClaimOutcome {
  return { notApplicable: reason, ...(numbers ? { numbers } : {}) };
}

/**
 * A reader of an input artifact that reads it once per claims step: the claims of a group share
 * what it returns (artifacts are immutable, so the folder is the key).
 */
export function readOnce<T>(step: string, read: (ref: ArtifactRef) => Promise<T>): (ctx: ClaimInputs) => Promise<T> {
  const loaded = new Map<string, Promise<T>>();
  return (ctx) => {
    const ref = ctx.inputs[step];
    if (!ref) throw new Error(`these claims read '${step}', which is not among their inputs`);
    let entry = loaded.get(ref.dir);
    if (!entry) {
      entry = read(ref);
      loaded.set(ref.dir, entry);
    }
    return entry;
  };
}
