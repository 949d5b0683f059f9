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

/** Checks too slow for `npm test` that `npm run test:chaos` (the long suite, also run by CI) makes: two
 * syntheses of the whole app compared byte for byte, two more around a change to the payment service, the demo in its own process (what `npm start` runs), the
 * fuzz of hostile events at its full size, an archive's replay, and every alarm of the template on the
 * runtime. */
const LONG = [
  'test/infra/determinism.integration.test.ts',
  'test/infra/independence.integration.test.ts',
  'test/e2e/demo.e2e.test.ts',
  'test/e2e/fuzz.e2e.test.ts',
  'test/e2e/replay.e2e.test.ts',
  'test/infra/local/emulator/cloudwatch/alarms-on-stack.e2e.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Vitest's default on two cores is one worker; the integration and end-to-end files spend much of their
    // time waiting on DynamoDB Local, Lambda workers and child processes, so two files run at once.
    maxWorkers: 2,
    // A worker runs its files one after another in one module graph instead of importing everything again
    // for each file: half the CPU of a run. Every test file starts what it needs in its own hooks.
    isolate: false,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: TIERS.map(tier) },
      },
      {
        extends: true,
        test: { name: 'integration', include: [tier('integration')], exclude: LONG, globalSetup: RESOURCES },
      },
      {
        extends: true,
        // A saga through the whole runtime under a loaded machine may take longer than a unit of work.
        test: {
          name: 'e2e',
          include: [tier('e2e')],
          exclude: LONG,
          globalSetup: RESOURCES,
          testTimeout: 90_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'chaos',
          // The fault matrix and the long checks.
          include: [tier('chaos'), ...LONG],
          env: { SAGA_FUZZ_BATCHES: '100' },
          globalSetup: RESOURCES,
          testTimeout: 1_200_000,
        },
      },
    ],
  },
});
