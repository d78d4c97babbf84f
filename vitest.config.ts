import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // one real smoke-profile pipeline run, shared by the tests that ask for it (tests/setup/smoke-run.ts)
    globalSetup: ['tests/setup/smoke-run.ts'],
    // tensor work and the pipeline run are CPU-heavy: one test file per core
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
