import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../../../../infra/local/emulator/dynamodb/dynamodb-local.js';

/** The `-Djava.io.tmpdir` a process was started with, read from its command line. */
const javaTmpdir = (pid: number): string | undefined =>
  readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .find((arg) => arg.startsWith('-Djava.io.tmpdir='))
    ?.slice('-Djava.io.tmpdir='.length);

describe('what DynamoDB Local unpacks at start', () => {
  it.skipIf(!existsSync('/proc/self/cmdline'))(
    'goes to a directory of its own, which is gone once it stops',
    async () => {
      const local = await startDynamoDbLocal();
      const scratch = javaTmpdir(local.pid);
      const unpacked = scratch ? readdirSync(scratch) : [];

      await local.stop();

      expect(unpacked.some((name) => name.endsWith('libsqlite4java.so'))).toBe(true);
      expect(existsSync(scratch as string)).toBe(false);
    },
    90_000,
  );
});
