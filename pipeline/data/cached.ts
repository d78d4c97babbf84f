// `loadDataset`, memoised per process: a worker that runs many training jobs on the same data
// artifact reads, checks and normalises it once. Artifacts are immutable, so the folder path is a
// sufficient key.
import { resolve } from 'node:path';
import type { ArtifactRef } from '../step.ts';
import { loadDataset, type LoadedDataset } from './step.ts';

const loaded = new Map<string, Promise<LoadedDataset>>();

/** Callers share the returned arrays: treat them as read-only. */
export function loadDatasetCached(ref: ArtifactRef | string): Promise<LoadedDataset> {
  const dir = resolve(typeof ref === 'string' ? ref : ref.dir);
  let entry = loaded.get(dir);
  if (!entry) {
    entry = loadDataset(dir);
    // a failed load is not remembered, so a later call can try again
    entry.catch(() => loaded.delete(dir));
    loaded.set(dir, entry);
  }
  return entry;
}

/** Forgets every memoised dataset (tests, or a long-lived process that wants the memory back). */
export function clearDatasetCache(): void {
  loaded.clear();
}
