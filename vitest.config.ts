import { defineConfig } from 'vitest/config';

/**
 * Four projects, one command (`npm test`):
 *  - unit:        pure code and the provider sandbox over real HTTP on loopback (no Temporal);
 *  - workflow:    workflows on the time-skipping test server (one server per file);
 *  - replay:      recorded histories (test/replay/histories) replayed on the current workflow code (no server);
 *  - integration: one real Temporal dev server started once per run on free ports (globalSetup).
 */
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The JSON report lets .ci/run print one plain 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: '.data/vitest-report.json' }]],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/sandbox/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'workflow', include: ['test/workflow/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'replay', include: ['test/replay/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
    ],
  },
});
