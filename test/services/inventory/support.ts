import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type {
  OrderCancelled,
  OrderLine,
  OutgoingEvent,
  PaymentProcessed,
} from '../../../shared/events/index.js';
import type { Publisher } from '../../../shared/publisher.js';
import orderCancelledEvent from '../../events/inventory/order-cancelled.json' with { type: 'json' };
import paymentProcessedEvent from '../../events/inventory/payment-processed.json' with { type: 'json' };

type Envelope<D> = Omit<typeof paymentProcessedEvent, 'detail'> & { detail: D };

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
  items: OrderLine[] = structuredClone(paymentProcessedEvent.detail.items),
): Envelope<PaymentProcessed> => {
  const event = structuredClone(paymentProcessedEvent) as Envelope<PaymentProcessed>;
  event.detail.orderId = orderId;
  event.detail.items = items;
  event.detail.amountCents = items.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
  return event;
};

/** The OrderCancelled fixture (cloned) for another order. */
export const orderCancelledFor = (orderId: string): Envelope<OrderCancelled> => {
  const event = structuredClone(orderCancelledEvent) as Envelope<OrderCancelled>;
  event.detail.orderId = orderId;
  return event;
};

/** A logger that writes nothing (spy on its methods to see what it logged). */
export const silentLogger = () => new Logger({ serviceName: 'inventory-test', logLevel: 'SILENT' });

/** A Lambda context as the runtime passes it, enough for Powertools (logger and idempotency). */
export const lambdaContext = (): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'inventory-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:inventory-test',
  memoryLimitInMB: '256',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/inventory-test',
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

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
