import { execFileSync } from 'node:child_process';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../../../infra/local/emulator/dynamodb/dynamodb-local.js';
import type { DeliveryContext } from '../../../../infra/local/emulator/fault-hooks.js';
import type { DestinationRecord } from '../../../../infra/local/emulator/lambda/async-invoke.js';
import { seededRandom } from '../../../../infra/local/emulator/random.js';
import {
  type DeadLetterQueue,
  type LoggedEvent,
  type Runtime,
  startRuntime,
} from '../../../../infra/local/emulator/runtime.js';
import type { RuntimeStats } from '../../../../infra/local/emulator/stats.js';
import { BUS, FUNCTIONS, QUEUES, runtimeTestApp, STATE_MACHINE, TABLE } from '../fixtures/runtime/app.js';

/** Orders whose deliveries to the sink are throttled, and the attempts made for each. */
const throttled = new Set<string>();
const sinkAttempts = new Map<string, number>();
const orderOf = (context: DeliveryContext) => String(context.event.detail.orderId);

let runtime: Runtime;
let eventBridge: EventBridgeClient;
let dynamoDb: DynamoDBClient;
const logs: string[] = [];

beforeAll(async () => {
  runtime = await startRuntime({
    app: runtimeTestApp(),
    random: seededRandom(42),
    // A schedule of one hour fires every 360 ms.
    scheduleScale: 0.0001,
    // The fixture stack declares no IAM: these tests are about delivery, not authorization.
    iam: false,
    onLog: (fn, line) => logs.push(`${fn}: ${line}`),
    faults: {
      onDelivery: (context) => {
        const orderId = orderOf(context);
        return orderId === 'o-duplicated'
          ? { duplicate: 1 }
          : orderId === 'o-dropped'
            ? { drop: true }
            : undefined;
      },
      onInvoke: ({ event, attempt }) =>
        (event as { detail?: { orderId?: string } }).detail?.orderId === 'o-timed-out' && attempt === 1
          ? { timeout: true }
          : undefined,
      onDeliveryAttempt: (context) => {
        if (context.rule.name !== 'sink-on-order-shipped') return undefined;
        const orderId = orderOf(context);
        sinkAttempts.set(orderId, (sinkAttempts.get(orderId) ?? 0) + 1);
        return throttled.has(orderId) ? { fail: 'throttled' } : undefined;
      },
    },
  });
  eventBridge = new EventBridgeClient({
    ...LOCAL_AWS,
    endpoint: runtime.endpoints.eventBridge,
    maxAttempts: 1,
  });
  dynamoDb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: runtime.endpoints.dynamoDb });
}, 60_000);

afterAll(async () => {
  eventBridge?.destroy();
  dynamoDb?.destroy();
  await runtime?.stop();
});

const put = async (source: string, detailType: string, detail: Record<string, unknown>) => {
  const response = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        { EventBusName: BUS, Source: source, DetailType: detailType, Detail: JSON.stringify(detail) },
      ],
    }),
  );
  expect(response.FailedEntryCount).toBe(0);
  return response.Entries?.[0]?.EventId as string;
};

const ofOrder = (events: readonly LoggedEvent[], orderId: string, detailType?: string) =>
  events.filter(
    (e) =>
      e.event.detail.orderId === orderId &&
      (detailType === undefined || e.event['detail-type'] === detailType),
  );

const waitForEvent = (orderId: string, detailType: string, count = 1) =>
  runtime.waitFor((events) => ofOrder(events, orderId, detailType).length >= count, { timeoutMs: 10_000 });

/** The ids of the DynamoDB Local processes listening on `port` (empty when there is none). */
const dynamoDbLocalProcesses = (port: string) => {
  try {
    return execFileSync('pgrep', ['-f', `DynamoDBLocal.*-port ${port}( |$)`])
      .toString()
      .trim();
  } catch {
    return '';
  }
};

const deadLettersIn = (queueName: string) =>
  runtime.deadLetters().find((queue) => queue.queueName === queueName)?.messages ?? [];

describe('the local runtime', () => {
  it('creates every table of the template with its keys, indexes and TTL', async () => {
    const { Table } = await dynamoDb.send(new DescribeTableCommand({ TableName: TABLE }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'orderId', KeyType: 'HASH' }]);
    expect(Table?.AttributeDefinitions).toContainEqual({ AttributeName: 'placedAt', AttributeType: 'N' });
    expect(Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: 'by-status',
      KeySchema: [
        { AttributeName: 'status', KeyType: 'HASH' },
        { AttributeName: 'placedAt', KeyType: 'RANGE' },
      ],
    });
    const ttl = await dynamoDb.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: 'expiresAt',
      TimeToLiveStatus: 'ENABLED',
    });
  });

  it("delivers an event put through the AWS SDK to a matching rule's Lambda target, not to others", async () => {
    const eventId = await put('shop.orders', 'OrderPlaced', { orderId: 'o-match' });
    await put('shop.impostor', 'OrderPlaced', { orderId: 'o-other-source' });

    const events = await waitForEvent('o-match', 'Echoed');
    await runtime.idle({ timeoutMs: 10_000 });

    const echoed = ofOrder(events, 'o-match', 'Echoed')[0]?.event.detail.received as {
      id: string;
      source: string;
    };
    expect(echoed).toMatchObject({ id: eventId, source: 'shop.orders', 'detail-type': 'OrderPlaced' });
    expect(ofOrder(runtime.events, 'o-other-source', 'Echoed')).toEqual([]);
    expect(
      runtime.events.filter((e) => e.event.detail.orderId === 'o-match').map((e) => e.event['detail-type']),
    ).toEqual(['OrderPlaced', 'Echoed']);
  });

  it('hands a target the input its InputTransformer makes of the event', async () => {
    await put('shop.payments', 'PaymentProcessed', { orderId: 'o-transformed', amountCents: 1250 });

    const events = await waitForEvent('o-transformed', 'Echoed');

    expect(ofOrder(events, 'o-transformed', 'Echoed')[0]?.event.detail.received).toEqual({
      orderId: 'o-transformed',
      kind: 'PaymentProcessed',
      amount: 1250,
      summary: 'order o-transformed paid 1250',
      rule: 'echo-on-payment-processed',
    });
  });

  it('sends a handler that always throws to its on-failure destination after its retries, and redrives it', async () => {
    const before = runtime.stats();
    await put('shop.orders', 'OrderRejected', { orderId: 'o-rejected' });
    await runtime.idle({ timeoutMs: 10_000 });

    expect(ofOrder(runtime.events, 'o-rejected', 'AttemptFailed')).toHaveLength(3);
    const [letter, ...others] = deadLettersIn(QUEUES.failingDestination.queueName);
    expect(others).toEqual([]);
    expect(letter?.from).toEqual({ kind: 'function', functionName: FUNCTIONS.failing.functionName });
    const record = JSON.parse(letter?.body as string) as DestinationRecord;
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        functionArn: `${FUNCTIONS.failing.arn}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { 'detail-type': 'OrderRejected', detail: { orderId: 'o-rejected' } },
      responseContext: { statusCode: 200, functionError: 'Unhandled' },
      responsePayload: { errorType: 'OrderRejectedError', errorMessage: 'order o-rejected is rejected' },
    });
    expect(runtime.stats().lambdaRetries - before.lambdaRetries).toBe(2);

    // The cause is fixed; the redrive invokes the function again with the original event.
    await dynamoDb.send(new PutItemCommand({ TableName: TABLE, Item: { orderId: { S: 'fix#o-rejected' } } }));
    expect(await runtime.redrive(QUEUES.failingDestination.queueName)).toEqual({ redriven: 1 });
    await waitForEvent('o-rejected', 'Processed');
    expect(deadLettersIn(QUEUES.failingDestination.queueName)).toEqual([]);
  });

  it('gives up an event older than the function allows before retrying it (EventAgeExceeded)', async () => {
    await put('shop.orders', 'OrderStale', { orderId: 'o-stale' });
    await runtime.idle({ timeoutMs: 10_000 });

    expect(ofOrder(runtime.events, 'o-stale', 'AttemptFailed')).toHaveLength(1);
    const records = deadLettersIn(QUEUES.failingDestination.queueName).map(
      (letter) => JSON.parse(letter.body) as DestinationRecord,
    );
    expect(records.map((r) => r.requestContext)).toContainEqual(
      expect.objectContaining({ condition: 'EventAgeExceeded', approximateInvokeCount: 1 }),
    );
    await runtime.redrive(QUEUES.failingDestination.queueName);
    await runtime.idle({ timeoutMs: 10_000 });
  });

  it("sends an event whose delivery keeps failing to the target's DLQ after its retry policy, and redrives it", async () => {
    throttled.add('o-throttled');
    const eventId = await put('shop.orders', 'OrderShipped', { orderId: 'o-throttled' });
    await runtime.idle({ timeoutMs: 10_000 });

    expect(sinkAttempts.get('o-throttled')).toBe(4);
    const [letter] = deadLettersIn(QUEUES.sinkDlq.queueName);
    expect(letter?.from).toEqual({
      kind: 'rule-target',
      ruleName: 'sink-on-order-shipped',
      targetId: 'sink',
    });
    expect(JSON.parse(letter?.body as string)).toMatchObject({
      id: eventId,
      detail: { orderId: 'o-throttled' },
    });
    expect(letter?.attributes).toEqual({
      ERROR_CODE: 'ThrottlingException',
      ERROR_MESSAGE: 'Rate exceeded',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      RETRY_ATTEMPTS: '3',
      RULE_ARN: `arn:aws:events:${runtime.app.region}:${runtime.app.account}:rule/${BUS}/sink-on-order-shipped`,
      TARGET_ARN: QUEUES.sink.arn,
    });
    expect(runtime.messages(QUEUES.sink.queueName)).toEqual([]);

    throttled.delete('o-throttled');
    await runtime.redrive(QUEUES.sinkDlq.queueName);
    await runtime.idle({ timeoutMs: 10_000 });
    expect(runtime.messages(QUEUES.sink.queueName).map((m) => JSON.parse(m.body).id)).toEqual([eventId]);
    expect(deadLettersIn(QUEUES.sinkDlq.queueName)).toEqual([]);
  });

  it("sends an event for a target that does not exist straight to the target's DLQ, without retries", async () => {
    const before = runtime.stats();
    await put('shop.orders', 'OrderLost', { orderId: 'o-lost' });
    await runtime.idle({ timeoutMs: 10_000 });

    const letter = deadLettersIn(QUEUES.echoDlq.queueName).find(
      (m) => JSON.parse(m.body).detail.orderId === 'o-lost',
    );
    expect(letter?.attributes).toMatchObject({
      ERROR_CODE: 'ResourceNotFoundException',
      RETRY_ATTEMPTS: '0',
    });
    expect(letter?.attributes).not.toHaveProperty('EXHAUSTED_RETRY_CONDITION');
    expect(runtime.stats().deliveryRetries).toBe(before.deliveryRetries);
  });

  it('starts an Express execution of a state machine target, whose events reach the bus', async () => {
    const before = runtime.stats();
    await put('shop.orders', 'OrderSettled', { orderId: 'o-settled' });

    const events = await waitForEvent('o-settled', 'Audited');

    expect(ofOrder(events, 'o-settled', 'Audited')[0]?.event).toMatchObject({
      source: 'test.audit',
      detail: { orderId: 'o-settled' },
      resources: expect.arrayContaining([STATE_MACHINE.arn]),
    });
    await runtime.idle({ timeoutMs: 10_000 });
    expect(runtime.stats().executions - before.executions).toBe(1);
    expect(runtime.stats().executionsFailed).toBe(before.executionsFailed);
  });

  it("starts an execution an operator asks for by the state machine's ARN, name or logical id", async () => {
    const before = runtime.stats();

    for (const name of [STATE_MACHINE.arn, STATE_MACHINE.name, STATE_MACHINE.logicalId]) {
      await runtime.startExecution(name, { orderId: `o-started-by-${name}` });
    }

    for (const name of [STATE_MACHINE.arn, STATE_MACHINE.name, STATE_MACHINE.logicalId]) {
      expect(ofOrder(runtime.events, `o-started-by-${name}`, 'Audited')).toHaveLength(1);
    }
    expect(runtime.stats().executions - before.executions).toBe(3);
    await expect(runtime.startExecution('no-such-machine', {})).rejects.toThrow(
      /No state machine no-such-machine in the template; state machines: runtime-audit/,
    );
  });

  it('delivers the copies a duplicate fault asks for, with the same event id', async () => {
    const before = runtime.stats();
    const eventId = await put('shop.orders', 'OrderPlaced', { orderId: 'o-duplicated' });

    const events = await waitForEvent('o-duplicated', 'Echoed', 2);

    const received = ofOrder(events, 'o-duplicated', 'Echoed').map(
      (e) => (e.event.detail.received as { id: string }).id,
    );
    expect(received).toEqual([eventId, eventId]);
    expect(runtime.stats().duplicates - before.duplicates).toBe(1);
  });

  it('loses a delivery a drop fault drops, and counts it', async () => {
    const before = runtime.stats();
    await put('shop.orders', 'OrderPlaced', { orderId: 'o-dropped' });
    await runtime.idle({ timeoutMs: 10_000 });

    expect(ofOrder(runtime.events, 'o-dropped', 'Echoed')).toEqual([]);
    expect(runtime.stats().dropped - before.dropped).toBe(1);
  });

  it('retries an invocation an injected timeout failed, so its handler runs again', async () => {
    const before = runtime.stats();
    await put('shop.orders', 'OrderPlaced', { orderId: 'o-timed-out' });

    await waitForEvent('o-timed-out', 'Echoed', 2);

    expect(runtime.stats().timeouts - before.timeouts).toBe(1);
  });

  it("fires a schedule rule's Scheduled Event to its target on the compressed clock", async () => {
    const events = await runtime.waitFor((all) => all.some((e) => e.event['detail-type'] === 'Swept'), {
      timeoutMs: 10_000,
    });

    expect(events.find((e) => e.event['detail-type'] === 'Swept')?.event.detail).toMatchObject({
      source: 'aws.events',
      detailType: 'Scheduled Event',
    });
    expect(runtime.stats().scheduledEvents).toBeGreaterThan(0);
  });

  it('rejects waitFor at its bound with what it saw and what is in flight', async () => {
    await expect(runtime.waitFor(() => false, { timeoutMs: 50 })).rejects.toThrow(
      /did not hold after 50 ms over \d+ event\(s\).*in flight/,
    );
  });

  it('rejects idle at its bound naming the work still pending', async () => {
    await put('shop.orders', 'OrderRejected', { orderId: 'o-busy' });

    await expect(runtime.idle({ timeoutMs: 20 })).rejects.toThrow(
      /not idle after 20 ms; still in flight: .*(runtime-failing|reject-on-order-rejected)/,
    );
    await runtime.idle({ timeoutMs: 10_000 });
  });

  it('serves the event log, dead letters and figures to another process as LocalRuntime operations', async () => {
    const call = async <T>(operation: string, body: unknown): Promise<T> => {
      const response = await fetch(runtime.endpoints.eventBridge, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': `LocalRuntime.${operation}`,
        },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as T;
    };

    const log = await call<{ events: LoggedEvent[] }>('Events', {});
    const deadLetters = await call<{ queues: DeadLetterQueue[] }>('ListDeadLetters', {});
    const stats = await call<RuntimeStats>('Stats', {});

    // The schedule rules keep firing: the served log is the runtime's log as it was when it was asked.
    expect(log.events.length).toBeGreaterThan(0);
    expect(log.events).toEqual(JSON.parse(JSON.stringify(runtime.events.slice(0, log.events.length))));
    expect(deadLetters.queues.map((q) => q.queueName).sort()).toEqual(
      [QUEUES.echoDlq, QUEUES.failingDestination, QUEUES.sinkDlq].map((q) => q.queueName).sort(),
    );
    expect(stats).toMatchObject({ eventsPut: runtime.stats().eventsPut });
  });

  it("serves the template's HTTP API on loopback, invoking the route's function with a payload 2.0 event", async () => {
    const before = runtime.stats().lambdaDurations[FUNCTIONS.echo.functionName]?.invocations ?? 0;

    const response = await fetch(`${runtime.endpoints.api}/echo/mug`, {
      method: 'POST',
      headers: {
        Authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260301/us-east-1/execute-api/aws4_request, ' +
          `SignedHeaders=host, Signature=${'0'.repeat(64)}`,
        'Content-Type': 'application/json',
      },
      body: '{"size":"L"}',
    });

    expect(runtime.endpoints.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(runtime.endpoints.apis).toEqual({ 'runtime-api': runtime.endpoints.api });
    // The echo function answers a bare value ({ echoed: undefined }), which API Gateway answers as 200 JSON.
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    const echoed = runtime.events.find(
      ({ event }) =>
        event['detail-type'] === 'Echoed' &&
        (event.detail.received as { routeKey?: string } | undefined)?.routeKey === 'POST /echo/{name}',
    );
    expect(echoed?.event.detail.received).toMatchObject({
      version: '2.0',
      pathParameters: { name: 'mug' },
      body: '{"size":"L"}',
      requestContext: { authorizer: { iam: { accessKey: 'local' } } },
    });
    expect(runtime.stats().lambdaDurations[FUNCTIONS.echo.functionName]?.invocations).toBe(before + 1);
  });

  it('refuses an unsigned request to an IAM route with 403, invoking nothing', async () => {
    const invocations = () => runtime.stats().lambdaDurations[FUNCTIONS.echo.functionName]?.invocations;
    const before = invocations();

    const response = await fetch(`${runtime.endpoints.api}/echo/mug`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(403);
    expect(invocations()).toBe(before);
  });

  // Last: it stops the runtime the other tests share.
  it('stops without leaving a DynamoDB Local process behind', async () => {
    const port = new URL(runtime.endpoints.dynamoDb).port;
    expect(dynamoDbLocalProcesses(port)).not.toBe('');

    await runtime.stop();

    expect(dynamoDbLocalProcesses(port)).toBe('');
    await expect(fetch(`${runtime.endpoints.api}/echo/mug`, { method: 'POST' })).rejects.toThrow();
  });
});
