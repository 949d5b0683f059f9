import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../../examples/notification/handlers/deps.js';
import { makeHandler as onOrderCancelled } from '../../../examples/notification/handlers/on-order-cancelled.js';
import { makeHandler as onOrderConfirmed } from '../../../examples/notification/handlers/on-order-confirmed.js';
import type { Notification } from '../../../examples/notification/notification.js';
import { OrderCancelled, OrderConfirmed } from '../../../shared/events/index.js';
import { InvalidEventError } from '../../../shared/lambda.js';
import { eventOf, lambdaContext, newOrderId } from '../../services/support/events.js';
import { createTables, localDynamo } from '../../support/aws.js';

/** The notification handlers on an idempotency table of their own, with a notifier that keeps what it sent. */
const harness = async () => {
  const { client } = localDynamo();
  const { idempotency } = await createTables(client, ['idempotency']);
  const sent: Notification[] = [];
  const deps: Deps = {
    logger: new Logger({ serviceName: 'notification', logLevel: 'SILENT' }),
    metrics: { add: () => undefined, flush: () => undefined },
    notifier: { send: async (notification) => void sent.push(notification) },
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: idempotency, awsSdkV3Client: client }),
  };
  return {
    sent,
    confirmed: (event: unknown) => onOrderConfirmed(deps)(event, lambdaContext('notification-confirmed')),
    cancelled: (event: unknown) => onOrderCancelled(deps)(event, lambdaContext('notification-cancelled')),
  };
};

describe('the notification service, on the contract’s events', () => {
  let notifications: Awaited<ReturnType<typeof harness>>;
  beforeAll(async () => {
    notifications = await harness();
  });

  it('tells the customer their order is confirmed, with the amount charged', async () => {
    const orderId = newOrderId();

    await notifications.confirmed(eventOf(OrderConfirmed, orderId));

    expect(notifications.sent.filter((sent) => sent.orderId === orderId)).toEqual([
      {
        orderId,
        subject: `Order ${orderId} confirmed`,
        body: 'We have charged 56.97 USD and are preparing your order.',
      },
    ]);
  });

  it('tells the customer why their order was cancelled', async () => {
    const orderId = newOrderId();

    await notifications.cancelled(eventOf(OrderCancelled, orderId, { reason: 'OUT_OF_STOCK' }));

    expect(notifications.sent.filter((sent) => sent.orderId === orderId)).toEqual([
      {
        orderId,
        subject: `Order ${orderId} cancelled`,
        body: 'Your order was cancelled because an item is out of stock; any charge is refunded.',
      },
    ]);
  });

  it('notifies once when the same fact is delivered twice', async () => {
    const orderId = newOrderId();
    const delivery = eventOf(OrderConfirmed, orderId);

    await notifications.confirmed(delivery);
    await notifications.confirmed({ ...structuredClone(delivery), id: 'another-delivery-id' });

    expect(notifications.sent.filter((sent) => sent.orderId === orderId)).toHaveLength(1);
  });

  it('reads a cancellation reason added to the contract after it was built, as sent', async () => {
    const orderId = newOrderId();

    await notifications.cancelled(eventOf(OrderCancelled, orderId, { reason: 'FRAUD_SUSPECTED' }));

    expect(notifications.sent.find((sent) => sent.orderId === orderId)?.body).toBe(
      'Your order was cancelled because fraud suspected; any charge is refunded.',
    );
  });

  it('refuses an OrderConfirmed from another source, sending nothing', async () => {
    const orderId = newOrderId();
    const forged = { ...eventOf(OrderConfirmed, orderId), source: 'shop.payments' };

    await expect(notifications.confirmed(forged)).rejects.toBeInstanceOf(InvalidEventError);

    expect(notifications.sent.filter((sent) => sent.orderId === orderId)).toEqual([]);
  });
});
