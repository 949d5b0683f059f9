/**
 * The services' test fixtures: the JSON events under test/events/<source>/, cloned before any change, and
 * the Lambda context, ids and clock every handler test needs.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import {
  type AnyEventDefinition,
  InventoryReservationFailed,
  InventoryReservationVoided,
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
  PaymentFailed,
  PaymentProcessed,
  PaymentVoided,
} from '../../../shared/events/index.js';
import scheduledSweepEvent from '../../events/aws.events/scheduled-sweep.json' with { type: 'json' };
import inventoryReservationFailedEvent from '../../events/shop.inventory/inventory-reservation-failed.json' with {
  type: 'json',
};
import inventoryReservationVoidedEvent from '../../events/shop.inventory/inventory-reservation-voided.json' with {
  type: 'json',
};
import inventoryReservedEvent from '../../events/shop.inventory/inventory-reserved.json' with {
  type: 'json',
};
import orderCancelledEvent from '../../events/shop.orders/order-cancelled.json' with { type: 'json' };
import orderConfirmedEvent from '../../events/shop.orders/order-confirmed.json' with { type: 'json' };
import paymentFailedEvent from '../../events/shop.payments/payment-failed.json' with { type: 'json' };
import paymentProcessedEvent from '../../events/shop.payments/payment-processed.json' with { type: 'json' };
import paymentVoidedEvent from '../../events/shop.payments/payment-voided.json' with { type: 'json' };
import orderPlacedEvent from '../../events/shop.storefront/order-placed.json' with { type: 'json' };

/** An EventBridge event as a Lambda target receives it, its detail typed as `D`. */
export type EventBridgeEvent<D = Record<string, unknown>> = Omit<typeof orderPlacedEvent, 'detail'> & {
  detail: D;
};

const fixtureOf = new Map<AnyEventDefinition, EventBridgeEvent>([
  [OrderPlaced, orderPlacedEvent],
  [OrderCancelled, orderCancelledEvent],
  [OrderConfirmed, orderConfirmedEvent],
  [PaymentProcessed, paymentProcessedEvent],
  [PaymentFailed, paymentFailedEvent],
  [InventoryReserved, inventoryReservedEvent],
  [InventoryReservationFailed, inventoryReservationFailedEvent],
  [PaymentVoided, paymentVoidedEvent],
  [InventoryReservationVoided, inventoryReservationVoidedEvent],
] as [AnyEventDefinition, EventBridgeEvent][]);

/** Every event fixture of test/events/<source>/, by the event of the contract it is. */
export const eventFixtures = (): [AnyEventDefinition, EventBridgeEvent][] =>
  [...fixtureOf].map(([definition, fixture]) => [definition, structuredClone(fixture)]);

/**
 * A clone of the event's fixture for the given order, with a fresh delivery id and any detail fields
 * overridden. Not validated: tests use it to build invalid events too.
 */
export const eventOf = <E extends AnyEventDefinition>(
  definition: E,
  orderId: string,
  overrides: Record<string, unknown> = {},
): EventBridgeEvent<ReturnType<E['detail']['parse']>> => {
  const fixture = fixtureOf.get(definition);
  if (!fixture) throw new Error(`No fixture for ${definition.detailType}`);
  const event = structuredClone(fixture);
  return {
    ...event,
    id: randomUUID(),
    detail: { ...event.detail, orderId, ...overrides },
  } as EventBridgeEvent<ReturnType<E['detail']['parse']>>;
};

/** The fixture's detail for the given order, parsed with its contract schema (so typed and known valid). */
export const detailOf = <E extends AnyEventDefinition>(
  definition: E,
  orderId: string,
  overrides: Record<string, unknown> = {},
) =>
  definition.detail.parse(eventOf(definition, orderId, overrides).detail) as ReturnType<E['detail']['parse']>;

/** The schedule's event that triggers the deadline sweep; the sweep reads its `time` (the fixture's by default). */
export const scheduledEvent = (time?: Date) => ({
  ...structuredClone(scheduledSweepEvent),
  ...(time && { time: time.toISOString() }),
});

/** An event as the bus accepted it at `time` (its envelope's `time`, which a consumer may read). */
export const acceptedAt = <T extends { time: string }>(event: T, time: Date): T => ({
  ...event,
  time: time.toISOString(),
});

/** A country the order service does not ship to. */
export const UNSERVED_COUNTRY = 'AQ';

/** A unique order id, so tests sharing a table never share an order. */
export const newOrderId = (label = 'order') => `${label}-${randomUUID().slice(0, 8)}`;

/** A Lambda context, as the runtime passes one (idempotency reads the remaining time from it). */
export const lambdaContext = (functionName = 'service-test'): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
  memoryLimitInMB: '256',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: '2025/01/01/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** A clock the test moves by hand. */
export const manualClock = (start = new Date('2025-01-01T00:00:00.000Z')) => {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (seconds: number) => {
      current += seconds * 1000;
    },
  };
};
