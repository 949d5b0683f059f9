import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFaultInjector, FAULT_PRESETS } from '../../../../infra/local/chaos/fault-plan.js';
import type { EventEnvelope } from '../../../../infra/local/emulator/eventbridge/put-events.js';
import {
  type EventBridgeServer,
  startEventBridgeServer,
} from '../../../../infra/local/emulator/eventbridge/server.js';
import type { PutEventsContext, PutEventsFault } from '../../../../infra/local/emulator/fault-hooks.js';
import { seededRandom } from '../../../../infra/local/emulator/random.js';
import { OrderCancelled, OrderPlaced } from '../../../../shared/events/index.js';

const BUS = 'saga-bus';
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** What the hook answers: a fixed fault for the next requests, or the injector's decision. */
let decide: (context: Omit<PutEventsContext, 'random'>) => PutEventsFault | undefined = () => undefined;
let asked = 0;
const delivered: EventEnvelope[] = [];

let server: EventBridgeServer;
const clients: EventBridgeClient[] = [];
const clientOf = (maxAttempts?: number) => {
  const client = new EventBridgeClient({
    endpoint: server.url,
    region: REGION,
    credentials,
    ...(maxAttempts !== undefined && { maxAttempts }),
  });
  clients.push(client);
  return client;
};

beforeAll(async () => {
  server = await startEventBridgeServer({
    buses: [BUS],
    rules: [],
    account: '000000000000',
    region: REGION,
    onEvents: (events) => delivered.push(...events),
    onPutEvents: (context) => {
      asked++;
      return decide(context);
    },
  });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await server?.close();
});

beforeEach(() => {
  delivered.length = 0;
  asked = 0;
  decide = () => undefined;
});

const entry = (detailType: string, orderId: string): PutEventsRequestEntry => ({
  EventBusName: BUS,
  Source: 'shop.orders',
  DetailType: detailType,
  Detail: JSON.stringify({ orderId }),
});

describe('PutEvents under injected faults', () => {
  it('fails the entries a partial fault names with InternalFailure in a 200, and delivers only the others', async () => {
    decide = () => ({ failEntries: [1] });

    const response = await clientOf(1).send(
      new PutEventsCommand({
        Entries: [entry(OrderCancelled.detailType, 'o-1'), entry(OrderCancelled.detailType, 'o-2')],
      }),
    );

    expect(response.$metadata.httpStatusCode).toBe(200);
    expect(response.FailedEntryCount).toBe(1);
    expect(response.Entries?.[0]).toEqual({ EventId: expect.any(String) });
    expect(response.Entries?.[1]).toEqual({ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal Failure' });
    expect(delivered.map((event) => event.detail.orderId)).toEqual(['o-1']);
    expect(delivered[0]?.id).toBe(response.Entries?.[0]?.EventId);
  });

  it('fails a whole request with a 500 InternalException and accepts none of it', async () => {
    decide = () => ({ fail: true });

    const error = await clientOf(1)
      .send(new PutEventsCommand({ Entries: [entry(OrderCancelled.detailType, 'o-3')] }))
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'InternalException', $metadata: { httpStatusCode: 500 } });
    expect(delivered).toEqual([]);
  });

  it('lets the SDK retry a failed request by itself, as it does on AWS', async () => {
    let failures = 1;
    decide = () => (failures-- > 0 ? { fail: true } : undefined);

    const response = await clientOf().send(
      new PutEventsCommand({ Entries: [entry(OrderCancelled.detailType, 'o-4')] }),
    );

    expect(response.$metadata.attempts).toBe(2);
    expect(response.FailedEntryCount).toBe(0);
    expect(delivered.map((event) => event.detail.orderId)).toEqual(['o-4']);
  });

  it('does not ask the hook about a request the bus refuses as invalid', async () => {
    decide = () => ({ fail: true });

    const error = await clientOf(1)
      .send(new PutEventsCommand({ Entries: [] }))
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'ValidationException' });
    expect(asked).toBe(0);
  });

  it("never fails an OrderPlaced under the injector, whatever the plan's probabilities", async () => {
    const random = seededRandom(1);
    const { hooks, counts } = createFaultInjector({
      plan: { ...FAULT_PRESETS.none, 'put-events-failure': 1, 'put-events-partial': 1 },
      random,
    });
    decide = (context) => hooks.onPutEvents?.({ ...context, random });

    const response = await clientOf(1).send(
      new PutEventsCommand({
        Entries: [entry(OrderPlaced.detailType, 'o-5'), entry(OrderCancelled.detailType, 'o-6')],
      }),
    );

    expect(response.Entries?.map((result) => result.ErrorCode ?? 'accepted')).toEqual([
      'accepted',
      'InternalFailure',
    ]);
    expect(delivered.map((event) => event['detail-type'])).toEqual([OrderPlaced.detailType]);
    expect(counts()).toMatchObject({ 'put-events-failure': 0, 'put-events-partial': 1 });
  });
});
