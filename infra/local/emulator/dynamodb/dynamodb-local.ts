import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startLoopbackProcess } from './loopback-process.js';

/** Credentials and region every local client uses; DynamoDB Local runs with a shared database, so any would do. */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};

/** A running DynamoDB Local: its loopback endpoint and port, the Java process's pid, and how to stop it. */
export type DynamoDbLocal = { endpoint: string; port: number; pid: number; stop(): Promise<void> };

/** Asks the OS for a free loopback port. */
export const freePort = async (): Promise<number> => {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
};

/**
 * Fails with a clear message when the Java runtime that DynamoDB Local needs is missing or too old;
 * returns the first line of `java -version`.
 */
export const assertJava17 = async (): Promise<string> => {
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
  const version = output.split('\n')[0] ?? '';
  const major = Number(/version "(\d+)/.exec(output)?.[1] ?? 0);
  if (major < 17) throw new Error(`DynamoDB Local needs Java 17 or later; found: ${version}`);
  return version;
};

/**
 * Starts DynamoDB Local in memory on 127.0.0.1 only, on the given port or a free one, and waits until it
 * answers. Every step is bounded by `timeoutMs`; every failure is one line that says what to do. The Java
 * process dies with this one, however this one dies.
 */
export const startDynamoDbLocal = async ({
  port,
  timeoutMs = 60_000,
}: {
  port?: number;
  timeoutMs?: number;
} = {}): Promise<DynamoDbLocal> => {
  const deadline = Date.now() + timeoutMs;
  const javaVersion = await assertJava17();
  // A port chosen here, not by Jetty, so that the process's command line names the port it listens on.
  const java = await startLoopbackProcess({ port: port ?? (await freePort()), timeoutMs, javaVersion });
  const endpoint = `http://127.0.0.1:${java.port}`;
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
  try {
    // Listening is not answering: one call proves the endpoint reaches DynamoDB Local, within the deadline.
    await client.send(new ListTablesCommand({}), {
      abortSignal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
    });
  } catch (error) {
    await java.stop();
    throw new Error(
      `DynamoDB Local listens on ${endpoint} but did not answer within ${timeoutMs} ms (${String(error)}); ` +
        'the machine may be overloaded: try again.',
    );
  } finally {
    client.destroy();
  }
  return { endpoint, port: java.port, pid: java.pid, stop: java.stop };
};
