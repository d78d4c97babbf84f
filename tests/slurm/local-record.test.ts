// A run with the local executor records it (the run manifest's `executor`), and its run page says so.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunManifestFile } from '../../pipeline/runs.ts';
import { smokeRun } from '../setup/smoke-run.ts';

describe('the executor of a local run', () => {
  it('is in the run manifest and on the run page', async () => {
    const smoke = await smokeRun();
    const manifest = await readRunManifestFile(smoke.manifestPath);
    expect(manifest.executor).toMatchObject({ kind: 'local' });
    const workers = manifest.executor?.kind === 'local' ? manifest.executor.workers : 0;
    expect(workers).toBeGreaterThanOrEqual(1);
    const page = await readFile(join(smoke.siteDir, 'run', 'index.html'), 'utf8');
    expect(page).toContain('data-testid="executor"');
    expect(page).toContain(workers === 1 ? 'one after another in the pipeline' : `in ${workers} worker processes`);
  }, 900_000);
});
