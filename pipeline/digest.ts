// JSON files that carry their own checksum, so that a damaged one is found when it is read
// (a flipped digit in a number still parses): checkpoint records, run manifests.
//
// The `digest` field is the SHA-256 of the compact JSON text of the value without it. Parsing and
// writing JSON again gives back the same text (key order is kept, numbers print the same), so the
// digest holds whatever the file's own formatting.
import { createHash } from 'node:crypto';

export const DIGEST_FIELD = 'digest';

function digestOf(value: Record<string, unknown>): string {
  const { [DIGEST_FIELD]: _ignored, ...rest } = value;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

/** The value with its digest as the last field. */
export function withDigest<T extends object>(value: T): T & { digest: string } {
  const { [DIGEST_FIELD]: _old, ...rest } = value as Record<string, unknown>;
  return { ...(rest as T), digest: digestOf(rest) };
}

export type Unsealed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses JSON text and checks its digest; says what is wrong when it does not hold. */
export function parseWithDigest<T>(text: string): Unsealed<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not valid JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const record = value as Record<string, unknown>;
  const stated = record[DIGEST_FIELD];
  if (typeof stated !== 'string') return { ok: false, reason: 'it has no digest' };
  const actual = digestOf(record);
  if (actual !== stated) return { ok: false, reason: `its content does not match its digest (SHA-256 ${actual.slice(0, 12)}…, recorded ${stated.slice(0, 12)}…)` };
  return { ok: true, value: value as T };
}
