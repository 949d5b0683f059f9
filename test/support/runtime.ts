import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { Runtime, RuntimeOptions } from '../../infra/local/emulator/runtime.js';
import { bootRuntime } from '../../infra/local/saga/boot.js';

/**
 * The local runtime on the synthesized stacks (all, or `stacks`), for a test file: its tables, under a prefix of their own, in
 * the DynamoDB Local the global setup started (one Java process for the whole run, not one per file).
 */
export const bootTestRuntime = (
  options: Omit<RuntimeOptions, 'app' | 'dynamoDbEndpoint'> & { stacks?: readonly string[] } = {},
): Promise<Runtime> =>
  bootRuntime({
    ...options,
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    tableNamePrefix: `t${randomUUID().slice(0, 8)}-`,
  });
