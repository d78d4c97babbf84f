// What a campaign checks after a rerun: every figure's files (spec, data tables, SVG, PNG) by
// hash and every claim's result and numbers, against an uninterrupted run; and the cache itself:
// every object whole, no temporary folder or checkpoint left behind, no lock held.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Cache } from '../../pipeline/cache.ts';
import { readRunManifest, type RunManifest } from '../../pipeline/runs.ts';

/** What one run produced, in comparable form. */
export interface RunResult {
  figures: Record<string, Record<string, string> | null>;
  claims: Record<string, unknown>;
}

export async function resultOf(cacheDir: string, runId: string): Promise<RunResult> {
  const manifest: RunManifest = await readRunManifest(new Cache(cacheDir), runId);
  return {
    figures: Object.fromEntries(manifest.figures.map((f) => [f.id, f.status === 'built' ? (f.files ?? {}) : null])),
    claims: Object.fromEntries((manifest.claims ?? []).map((c) => [c.id, { status: c.status, numbers: c.numbers, summary: c.summary ?? null, reason: c.reason ?? null }])),
  };
}

/** Differences from the reference, one short phrase each (empty: identical). */
export function differences(reference: RunResult, actual: RunResult): string[] {
  const out: string[] = [];
  for (const [id, files] of Object.entries(reference.figures)) {
    const got = actual.figures[id];
    if (files === null) {
      if (got) out.push(`${id} built, the reference has none`);
      continue;
    }
    if (!got) {
      out.push(`${id} missing`);
      continue;
    }
    for (const [name, hash] of Object.entries(files)) if (got[name] !== hash) out.push(`${id} ${name} differs`);
    for (const name of Object.keys(got)) if (!(name in files)) out.push(`${id} ${name} extra`);
  }
  for (const [id, claim] of Object.entries(reference.claims)) {
    if (JSON.stringify(actual.claims[id]) !== JSON.stringify(claim)) out.push(`claim ${id} differs`);
  }
  for (const id of Object.keys(actual.claims)) if (!(id in reference.claims)) out.push(`claim ${id} extra`);
  return out;
}

/** Problems with the cache after a completed run (empty: none). */
export async function cacheProblems(cacheDir: string): Promise<string[]> {
  const cache = new Cache(cacheDir);
  const problems: string[] = [];
  for (const prefix of await readdir(join(cacheDir, 'objects')).catch(() => [] as string[])) {
    for (const key of await readdir(join(cacheDir, 'objects', prefix))) {
      const check = await cache.verify(key);
      if (check.status !== 'ok') problems.push(`object ${key.slice(0, 12)} ${check.status === 'corrupt' ? check.reason : 'unreadable'}`);
    }
  }
  for (const leftover of ['tmp', 'scratch', 'locks']) {
    const entries = await readdir(join(cacheDir, leftover)).catch(() => [] as string[]);
    if (entries.length > 0) problems.push(`${leftover}/ still holds ${entries.length} entr${entries.length > 1 ? 'ies' : 'y'} (${entries[0]})`);
  }
  return problems;
}

/** A short summary of a list of differences for a table cell. */
export function summarize(items: string[], max = 3): string {
  if (items.length <= max) return items.join('; ');
  return `${items.slice(0, max).join('; ')}; and ${items.length - max} more`;
}
