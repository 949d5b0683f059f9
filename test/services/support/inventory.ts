/** The inventory service's test fixtures: its two events cloned from test/events/, lines, a silent logger. */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  OrderCancelled,
  type OrderLine,
  type OutgoingEvent,
  PaymentProcessed,
} from '../../../shared/events/index.js';
import type { Publisher } from '../../../shared/publisher.js';
import { type EventBridgeEvent, eventOf } from './events.js';

export { lambdaContext } from './events.js';

/** A fresh id, so tests sharing a table never share an order or a SKU. */
export const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A line of an order for the given SKU and quantity. */
export const line = (sku: string, quantity: number, unitPriceCents = 1000): OrderLine => ({
  sku,
  quantity,
  unitPriceCents,
});

/** The PaymentProcessed fixture (cloned) for another order and other lines. */
export const paymentProcessedFor = (
  orderId: string,
  items?: OrderLine[],
): EventBridgeEvent<PaymentProcessed> => {
  const event = eventOf(PaymentProcessed, orderId);
  if (items === undefined) return event;
  event.detail.items = items;
  event.detail.amountCents = items.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
  return event;
};

/** The OrderCancelled fixture (cloned) for another order. */
export const orderCancelledFor = (orderId: string): EventBridgeEvent<OrderCancelled> =>
  eventOf(OrderCancelled, orderId);

/** A logger that writes nothing (spy on its methods to see what it logged). */
export const silentLogger = () => new Logger({ serviceName: 'inventory-test', logLevel: 'SILENT' });

/** A publisher that validates every event against the contract and keeps it, in order. */
export const recordingPublisher = (): Publisher & { published: OutgoingEvent[] } => {
  const published: OutgoingEvent[] = [];
  return {
    published,
    async publish(events) {
      for (const event of events) event.definition.detail.parse(event.detail);
      published.push(...events);
    },
  };
};
