import { defineConfig } from 'vitest/config';

// The AWS SDK warns once per process that its 2027 releases will need Node 22: noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** What a tier needs is in its file name: `x.test.ts` nothing, `x.integration.test.ts` DynamoDB Local or the
 * synthesized template, `x.e2e.test.ts` the local runtime on that template, `x.chaos.test.ts` the long fault
 * matrix. */
const TIERS = ['integration', 'e2e', 'chaos'] as const;
const tier = (name: (typeof TIERS)[number]) => `test/**/*.${name}.test.ts`;

/** DynamoDB Local for the run, and `cdk.out` synthesized when stale. */
const RESOURCES = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: TIERS.map(tier) },
      },
      {
        extends: true,
        test: { name: 'integration', include: [tier('integration')], globalSetup: RESOURCES },
      },
      { extends: true, test: { name: 'e2e', include: [tier('e2e')], globalSetup: RESOURCES } },
      {
        extends: true,
        test: {
          name: 'chaos',
          // The fault matrix, and the fuzz of hostile events at its full size.
          include: [tier('chaos'), 'test/e2e/fuzz.e2e.test.ts'],
          env: { SAGA_FUZZ_BATCHES: '100' },
          globalSetup: RESOURCES,
          testTimeout: 1_200_000,
        },
      },
    ],
  },
});
