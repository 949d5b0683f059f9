import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { emit, InventoryReleased, OrderCancelled, PaymentProcessed } from '../../shared/events/index.js';
import { createPublisher, InvalidOutgoingEventError, PublishError } from '../../shared/publisher.js';

/** A unit test of the publisher alone: the EventBridge client is a recorder whose answers the test scripts. */
const recordingClient = (answers: ((entries: number) => Partial<PutEventsCommandOutput>)[] = []) => {
  const requests: PutEventsCommand['input'][] = [];
  const client = {
    send: async (command: PutEventsCommand) => {
      expect(command).toBeInstanceOf(PutEventsCommand);
      requests.push(command.input);
      const entries = command.input.Entries?.length ?? 0;
      const answer = answers.shift()?.(entries) ?? {
        FailedEntryCount: 0,
        Entries: Array.from({ length: entries }, (_, i) => ({ EventId: `id-${requests.length}-${i}` })),
      };
      return answer;
    },
  } as unknown as EventBridgeClient;
  return { client, requests };
};

const cancelled = (orderId: string) =>
  emit(OrderCancelled, {
    orderId,
    occurredAt: '2026-11-26T09:00:00Z',
    reason: 'PAYMENT_FAILED',
    cause: 'CARD_DECLINED',
  });

const publisherFor = (client: EventBridgeClient, source = OrderCancelled.source) =>
  createPublisher({ client, eventBusName: 'bus', source, sleep: async () => {} });

describe('the publisher', () => {
  it('sends each event to the bus with its source, detail-type and validated detail', async () => {
    const { client, requests } = recordingClient();
    await publisherFor(client).publish([cancelled('o-1')]);
    expect(requests).toEqual([
      {
        Entries: [
          {
            EventBusName: 'bus',
            Source: 'shop.orders',
            DetailType: 'OrderCancelled',
            Detail: JSON.stringify({
              orderId: 'o-1',
              occurredAt: '2026-11-26T09:00:00Z',
              reason: 'PAYMENT_FAILED',
              cause: 'CARD_DECLINED',
            }),
          },
        ],
      },
    ]);
  });

  it('sends at most ten entries per request', async () => {
    const { client, requests } = recordingClient();
    await publisherFor(client).publish(Array.from({ length: 23 }, (_, i) => cancelled(`o-${i}`)));
    expect(requests.map((request) => request.Entries?.length)).toEqual([10, 10, 3]);
  });

  it('keeps each request under 256 KiB', async () => {
    const { client, requests } = recordingClient();
    const items = Array.from({ length: 99 }, (_, i) => ({ sku: `SKU-${'x'.repeat(50)}-${i}`, quantity: 1 }));
    const released = (orderId: string) =>
      emit(InventoryReleased, { orderId, occurredAt: '2026-11-26T09:00:00Z', items });
    await createPublisher({ client, eventBusName: 'bus', source: 'shop.inventory' }).publish(
      Array.from({ length: 10 }, (_, i) => released(`o-${i}`)),
    );
    for (const request of requests) {
      const bytes = (request.Entries ?? []).reduce(
        (sum, e) => sum + Buffer.byteLength(`${e.Source}${e.DetailType}${e.Detail}`),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    }
    expect(requests.flatMap((request) => request.Entries ?? [])).toHaveLength(10);
  });

  it('retries only the entries EventBridge refused in a 200 response', async () => {
    const { client, requests } = recordingClient([
      () => ({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
      }),
    ]);
    await publisherFor(client).publish([cancelled('o-1'), cancelled('o-2')]);
    expect(requests).toHaveLength(2);
    expect(requests[1]?.Entries?.map((e) => JSON.parse(e.Detail ?? '').orderId)).toEqual(['o-2']);
  });

  it('throws, naming the event and the error code, when an entry is still refused after every attempt', async () => {
    const refuse = () => ({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
    });
    const { client, requests } = recordingClient([refuse, refuse, refuse, refuse]);
    const publishing = publisherFor(client).publish([cancelled('o-9')]);
    await expect(publishing).rejects.toThrow(PublishError);
    await expect(publishing).rejects.toThrow(/OrderCancelled for order o-9: ThrottlingException slow down/);
    expect(requests).toHaveLength(4);
  });

  it('lets a failed request fail the caller, so the handler is retried', async () => {
    const client = {
      send: async () => Promise.reject(new Error('socket hang up')),
    } as unknown as EventBridgeClient;
    await expect(publisherFor(client).publish([cancelled('o-1')])).rejects.toThrow('socket hang up');
  });

  it('refuses, before sending anything, an event that does not satisfy its schema', async () => {
    const { client, requests } = recordingClient();
    const invalid = emit(OrderCancelled, { orderId: '', occurredAt: 'yesterday', reason: 'PAYMENT_FAILED' });
    await expect(publisherFor(client).publish([cancelled('o-1'), invalid])).rejects.toThrow(
      /OrderCancelled does not match its schema: orderId: .*; occurredAt: /,
    );
    expect(requests).toEqual([]);
  });

  it('refuses an event of another producer', async () => {
    const { client } = recordingClient();
    const charge = emit(PaymentProcessed, {
      orderId: 'o-1',
      occurredAt: '2026-11-26T09:00:00Z',
      paymentId: 'pay-1',
      amountCents: 100,
      currency: 'USD',
      items: [{ sku: 'A', quantity: 1, unitPriceCents: 100 }],
    });
    await expect(publisherFor(client).publish([charge])).rejects.toThrow(InvalidOutgoingEventError);
  });
});
