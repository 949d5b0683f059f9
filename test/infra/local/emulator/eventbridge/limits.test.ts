import { EventBridgeClient, PutEventsCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../../../infra/local/emulator/eventbridge/put-events.js';
import {
  type EventBridgeServer,
  startEventBridgeServer,
} from '../../../../../infra/local/emulator/eventbridge/server.js';

/**
 * What EventBridge refuses, the local bus refuses too, with EventBridge's error codes (PutEvents and
 * TestEventPattern API references; EventBridge quotas): oversize requests, members of the wrong type,
 * details beyond what PutEvents processes, patterns beyond the documented size and complexity.
 */

const BUS = 'saga-bus';
const REGION = 'us-east-1';

let server: EventBridgeServer;
let client: EventBridgeClient;
const delivered: EventEnvelope[] = [];

beforeAll(async () => {
  server = await startEventBridgeServer({
    buses: [BUS],
    rules: [],
    account: '123456789012',
    region: REGION,
    onEvents: (events) => delivered.push(...events),
  });
  client = new EventBridgeClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

/** A PutEvents call on the wire, for what no SDK would send. */
const rawPutEvents = async (body: string | Buffer) => {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const entry = (overrides: Record<string, unknown> = {}) => ({
  EventBusName: BUS,
  Source: 'shop.orders',
  DetailType: 'OrderPlaced',
  Detail: JSON.stringify({ orderId: 'o-1' }),
  ...overrides,
});

const putOne = async (detail: string) => {
  const response = await client.send(new PutEventsCommand({ Entries: [entry({ Detail: detail })] }));
  return response.Entries?.[0];
};

describe('PutEvents limits', () => {
  it('answers a 20 MB request with an AWS-shaped 413, not a reset connection', async () => {
    const { status, body } = await rawPutEvents(Buffer.alloc(20 * 1024 * 1024, 0x20));

    expect(status).toBe(413);
    expect(body).toEqual({
      __type: 'RequestEntityTooLargeException',
      message: expect.stringContaining('over the limit'),
    });
  });

  it('refuses an entry whose Time is not a timestamp with SerializationException, delivering nothing', async () => {
    delivered.length = 0;
    const { status, body } = await rawPutEvents(
      JSON.stringify({ Entries: [entry(), entry({ Time: 'yesterday' })] }),
    );

    expect(status).toBe(400);
    expect(body).toMatchObject({
      __type: 'SerializationException',
      message: expect.stringContaining('Time'),
    });
    expect(delivered).toEqual([]);
  });

  it('refuses Resources that are not strings with SerializationException', async () => {
    const { status, body } = await rawPutEvents(JSON.stringify({ Entries: [entry({ Resources: [42] })] }));

    expect(status).toBe(400);
    expect(body).toMatchObject({
      __type: 'SerializationException',
      message: expect.stringContaining('Resources'),
    });
  });

  it('accepts a Time in epoch seconds, as the SDK sends it', async () => {
    const { status, body } = await rawPutEvents(
      JSON.stringify({ Entries: [entry({ Time: 1_714_566_896 })] }),
    );

    expect(status).toBe(200);
    expect(body).toMatchObject({ FailedEntryCount: 0 });
  });

  it('refuses a detail nested deeper than 1000 levels with MalformedDetail, and takes 1000', async () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{"orderId":"o-1"}${'}'.repeat(depth - 1)}`;

    expect(await putOne(nested(1001))).toEqual({
      ErrorCode: 'MalformedDetail',
      ErrorMessage: 'Detail is malformed.',
    });
    expect(await putOne(nested(1000))).toEqual({ EventId: expect.any(String) });
  });

  it.each([
    ['an integer above 2^63 - 1', '9223372036854775808'],
    ['an integer below -2^63', '-9223372036854775809'],
    ['a number beyond a double', '1e400'],
  ])('refuses a detail holding %s with MalformedDetail', async (_, number) => {
    expect(await putOne(`{"orderId":"o-1","n":${number}}`)).toEqual({
      ErrorCode: 'MalformedDetail',
      ErrorMessage: 'Detail is malformed.',
    });
  });

  it('takes the extremes of a 64-bit integer, and digits inside strings', async () => {
    const detail = '{"orderId":"99999999999999999999","max":9223372036854775807,"min":-9223372036854775808}';

    expect(await putOne(detail)).toEqual({ EventId: expect.any(String) });
  });
});

describe('TestEventPattern limits', () => {
  const event = JSON.stringify({
    id: '1',
    account: '123456789012',
    source: 'shop.orders',
    time: '2024-05-01T12:34:56Z',
    region: REGION,
    resources: [],
    'detail-type': 'OrderPlaced',
    detail: { a: 'x' },
  });
  const test = (pattern: unknown) =>
    client.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: event }));

  it('refuses a pattern longer than 4096 characters with ValidationException', async () => {
    const pattern = { source: ['shop.orders', 'x'.repeat(4096)] };

    await expect(test(pattern)).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('length less than or equal to 4096'),
    });
  });

  it('refuses $or branches that combine into more than 1000 alternatives, and takes 1000', async () => {
    const or = (n: number) => ({ $or: Array.from({ length: n }, (_, i) => ({ [`f${i}`]: ['x'] })) });
    const tooComplex = { detail: { ...or(11), b: or(10), c: or(10) } };
    const atTheLimit = { detail: { a: or(10), b: or(10), c: or(10) } };

    await expect(test(tooComplex)).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
      message: expect.stringContaining('Rule is too complex'),
    });
    await expect(test(atTheLimit)).resolves.toMatchObject({ Result: false });
  });
});
