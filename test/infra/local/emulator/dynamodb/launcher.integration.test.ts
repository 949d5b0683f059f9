import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { assertJava17, freePort } from '../../../../../infra/local/emulator/dynamodb/dynamodb-local.js';
import { launcherArgs } from '../../../../../infra/local/emulator/dynamodb/launcher.js';

const holder = createServer();
afterAll(() => holder.close());

describe('the loopback launcher', () => {
  // The start checks the port before it runs Java; this is the launcher's own answer when the port is
  // taken in between, as it reaches the node process that reads it.
  it('reports a port taken by another process in one line and exits 2, without a stack trace', async () => {
    const port = await freePort();
    holder.listen(port, '127.0.0.1');
    await once(holder, 'listening');
    const args = await launcherArgs(port, await assertJava17(), 60_000);

    const failure = await promisify(execFile)('java', args, { timeout: 60_000 }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

    expect(failure.code).toBe(2);
    expect(failure.stdout).toMatch(/^error port-in-use BindException: .+\n$/);
    expect(failure.stderr).toBe('');
  }, 90_000);
});
