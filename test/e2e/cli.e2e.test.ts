import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/emulator/dynamodb/dynamodb-local.js';
import { loadApp } from '../../infra/local/saga/boot.js';
import { readPayload } from '../../infra/local/saga/scenarios.js';
import { storefrontCredentials } from '../../infra/local/saga/storefront-principal.js';
import { PROJECT_ROOT } from '../../infra/project.js';
import { busAs, functionPrincipal } from '../support/principals.js';

const CLI = join(PROJECT_ROOT, 'infra', 'local', 'saga', 'cli.ts');
const TSX = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const saga = (args: string[]) => promisify(execFile)(TSX, [CLI, ...args], { cwd: PROJECT_ROOT });

/** Resolves with everything the process printed once `text` appears in it; rejects if it exits first. */
const outputUntil = (child: ReturnType<typeof spawn>, text: string, timeoutMs: number) =>
  new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before "${text}":\n${output}`)));
  });

const javaOnPort = async (port: number) => {
  try {
    const { stdout } = await promisify(execFile)('pgrep', ['-f', `DynamoDBLocal.*-port ${port}`]);
    return stdout.trim() !== '';
  } catch {
    return false;
  }
};

describe('the saga command line', () => {
  it('prints a bad flag as one line naming it, the usage hint, and exit code 2', async () => {
    const failure = await saga(['serve', '--eventbridge-port', '99999']).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect((failure?.stderr ?? '').trimEnd().split('\n')).toEqual([
      'saga: --eventbridge-port must be a port number from 1 to 65535, not "99999"',
      'Run `saga help` for usage.',
    ]);
  });

  it('prints a bad entries file as one line naming the file, and exit code 2', async () => {
    const failure = await saga(['put-events', 'README.md', '--endpoint-url', 'http://127.0.0.1:9']).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    const lines = (failure?.stderr ?? '').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^saga: README\.md is not valid JSON/);
  });
});

/** A poison message: a PaymentProcessed its schema refuses, which inventory's function fails on every run. */
const poison = (orderId: string, busName: string | undefined) => ({
  EventBusName: busName,
  Source: 'shop.payments',
  DetailType: 'PaymentProcessed',
  Detail: JSON.stringify({ orderId }),
});

/** Reads a stream as a slow reader does: a pause after every chunk, so the writer fills the pipe. */
const readSlowly = async (stream: NodeJS.ReadableStream) => {
  let text = '';
  for await (const chunk of stream) {
    text += (chunk as Buffer).toString();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return text;
};

describe('the saga command line on a running serve', () => {
  let server: ChildProcess;
  let endpoint = '';
  let dynamoDbPort = 0;
  const busName = readPayload('scenario-7.json')[0]?.EventBusName;
  const local = (operation: string, body: unknown = {}) =>
    fetch(endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': `LocalRuntime.${operation}` },
      body: JSON.stringify(body),
    }).then((response) => response.json() as Promise<Record<string, unknown>>);
  // Each fact is put as a role of its source's producer, the only principal the bus lets put it.
  const putAll = async (entries: ReturnType<typeof poison>[], producer = 'PaymentOnOrderPlaced') => {
    const app = loadApp();
    const client = busAs(endpoint, app.region, functionPrincipal(app, producer).credentials);
    try {
      for (let i = 0; i < entries.length; i += 10) {
        const response = await client.send(new PutEventsCommand({ Entries: entries.slice(i, i + 10) }));
        expect(response.FailedEntryCount).toBe(0);
      }
    } finally {
      client.destroy();
    }
  };

  /** Asks `check` every 100 ms until it answers a value; fails with `what` after `timeoutMs`. */
  const pollUntil = async <T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string) => {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      const value = await check();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${what} within ${timeoutMs / 1000} s`);
  };

  /** Waits until the bus has accepted the saga's SagaAudited (the runtime is never idle: its schedules fire). */
  const audited = (orderId: string) => {
    type Logged = { event: { 'detail-type': string; detail: { orderId?: unknown } } };
    let from = 0;
    return pollUntil(
      async () => {
        const { events } = (await local('Events', { from })) as { events: Logged[] };
        from += events.length;
        const verdict = events.some(
          ({ event }) => event['detail-type'] === 'SagaAudited' && event.detail.orderId === orderId,
        );
        return verdict ? true : undefined;
      },
      60_000,
      `no SagaAudited for ${orderId}`,
    );
  };

  /** Waits until every one of `orderIds` is dead-lettered; answers how many dead letters are held in all. */
  const deadLettered = (orderIds: string[]) =>
    pollUntil(
      async () => {
        const { queues } = (await local('ListDeadLetters')) as { queues: { messages: { body: string }[] }[] };
        const bodies = queues.flatMap((queue) => queue.messages.map((message) => message.body));
        const missing = orderIds.filter((id) => !bodies.some((body) => body.includes(`"orderId":"${id}"`)));
        return missing.length === 0 ? bodies.length : undefined;
      },
      120_000,
      'not every poison message was dead-lettered',
    );

  beforeAll(async () => {
    const eventBridgePort = await freePort();
    dynamoDbPort = await freePort();
    const apiPort = await freePort();
    const consolePort = await freePort();
    server = spawn(
      TSX,
      [
        CLI,
        'serve',
        '--eventbridge-port',
        `${eventBridgePort}`,
        '--dynamodb-port',
        `${dynamoDbPort}`,
        '--api-port',
        `${apiPort}`,
        '--console-port',
        `${consolePort}`,
      ],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const banner = await outputUntil(server, 'Ctrl-C stops it.', 120_000);
    endpoint = `http://127.0.0.1:${eventBridgePort}`;
    expect(banner).toContain(`aws events put-events --endpoint-url ${endpoint}`);
    expect(banner).toContain(`aws dynamodb scan --endpoint-url http://127.0.0.1:${dynamoDbPort}`);
    const { accessKeyId, secretAccessKey } = storefrontCredentials(loadApp());
    expect(banner).toContain(
      `export AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey}`,
    );
    expect(banner).toContain(
      `--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -i -X POST http://127.0.0.1:${apiPort}/orders`,
    );
    expect(banner).toContain("IAM enforced: every call is authorized with the template's policies");
    expect(banner).toMatch(
      /^ {2}function +ASIA[A-Z2-7]{16} {2}PaymentOnOrderPlacedRole\w+\/PaymentOnOrderPlacedFunction\w+$/m,
    );
    expect(banner).toContain(`Console      http://127.0.0.1:${consolePort}/`);
    expect(banner).toContain(
      'Everything is in memory: stopping serve loses every table, event and dead letter.',
    );
  }, 150_000);

  afterAll(async () => {
    server.kill('SIGTERM');
    const [code] = await once(server, 'exit');
    expect(code).toBe(0);
    expect(await javaOnPort(dynamoDbPort)).toBe(false);
  }, 60_000);

  it('answers put-events, timeline and dlq while serve runs', async () => {
    const put = await saga(['put-events', 'test/payloads/scenario-7.json', '--endpoint-url', endpoint]);
    expect(put.stdout).toMatch(/^OrderPlaced #1: [0-9a-f-]{36}$/m);

    const orderId = '40063fe3-56d9-4c51-b91f-71929834ce03';
    await audited(orderId);
    const timeline = (await saga(['timeline', orderId, '--endpoint-url', endpoint])).stdout;
    expect(timeline).toMatch(
      /OrderPlaced[\s\S]*PaymentProcessed[\s\S]*InventoryReserved[\s\S]*OrderConfirmed[\s\S]*SagaAudited/,
    );
    const mermaid = (await saga(['timeline', orderId, '--mermaid', '--endpoint-url', endpoint])).stdout;
    expect(mermaid).toMatch(/^sequenceDiagram/);
    expect(mermaid).toContain('Payment->>Inventory: PaymentProcessed');
    expect((await saga(['dlq', 'list', '--endpoint-url', endpoint])).stdout).toContain(
      'Every dead-letter queue is empty.',
    );
    expect(await javaOnPort(dynamoDbPort)).toBe(true);
  }, 180_000);

  it('timeline prints a malformed event raw instead of failing on it', async () => {
    const orderId = 'cli-malformed-order-1';
    const detail = { orderId, items: 'none', amountCents: 'lots', currency: 'US', shipTo: {} };
    // A fact the order service's role may put, malformed: the audit it starts finds no such order.
    await putAll(
      [
        {
          EventBusName: busName,
          Source: 'shop.orders',
          DetailType: 'OrderConfirmed',
          Detail: JSON.stringify(detail),
        },
      ],
      'OrderOnInventoryReserved',
    );

    const { stdout } = await saga(['timeline', orderId, '--endpoint-url', endpoint]);
    expect(stdout).toMatch(/OrderConfirmed\s+malformed: \{"orderId":"cli-malformed-order-1","items":"none"/);
    const mermaid = (await saga(['timeline', orderId, '--mermaid', '--endpoint-url', endpoint])).stdout;
    expect(mermaid).toContain('OrderConfirmed: malformed: {');
  }, 180_000);

  it('dlq redrive says how many were dead-lettered again, and exits 1', async () => {
    const orderIds = Array.from({ length: 5 }, (_, i) => `cli-poison-redriven-${i}`);
    await putAll(orderIds.map((id) => poison(id, busName)));
    const held = await deadLettered(orderIds);

    const failure = await saga(['dlq', 'redrive', '--endpoint-url', endpoint]).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );

    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain(`Redrove ${held} message(s)`);
    expect(failure?.stdout).toContain(`${held} of ${held} dead-lettered again`);
    // It audits nothing itself: a redriven compensation's own fact audits its saga.
    expect(failure?.stdout).not.toContain('audited');
  }, 300_000);

  it('dlq list piped to a slow reader prints every row, each cut to a sane width', async () => {
    const count = 500;
    const longId = `cli-long-${'x'.repeat(10_000)}`;
    const orderIds = [longId, ...Array.from({ length: count - 1 }, (_, i) => `cli-poison-${i}`)];
    await putAll(orderIds.map((id) => poison(id, busName)));
    // Other tests' malformed events wait in the DLQs too: every dead letter is a row.
    const held = await deadLettered(orderIds);

    const child = spawn(TSX, [CLI, 'dlq', 'list', '--endpoint-url', endpoint], { cwd: PROJECT_ROOT });
    const [piped, [code]] = await Promise.all([readSlowly(child.stdout), once(child, 'exit')]);

    expect(code).toBe(0);
    const lines = piped.trimEnd().split('\n');
    expect(held).toBeGreaterThanOrEqual(count);
    expect(lines).toHaveLength(held + 2);
    for (const id of orderIds.slice(1)) expect(piped).toContain(` ${id} `);
    expect(piped).toContain(`cli-long-${'x'.repeat(20)}`);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(260);
  }, 300_000);
});
