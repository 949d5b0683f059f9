/**
 * Placing an order through the storefront API: the body validated with the contract, the order's id
 * assigned, `OrderPlaced` put on the bus once per Idempotency-Key.
 */
import { createHash } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { emit, OrderPlaced } from '../../../shared/events/index.js';
import type { Publisher } from '../../../shared/publisher.js';
import { invalidParamsOf } from './problem.js';
import { type InvalidParam, type OrderAccepted, PlaceOrderRequest } from './schemas.js';

/** What placing an order needs: a publisher with OrderPlaced's source, the idempotency store, a clock. */
export type PlaceOrderDeps = {
  publisher: Publisher;
  persistenceStore: BasePersistenceLayer;
  now: () => Date;
};

/** A placement the API accepted for putting on the bus: the key, the order as placed, its event's detail. */
export type Placement = { idempotencyKey: string; order: PlaceOrderRequest; detail: OrderPlaced };

/** PutEvents failed: the order may not be on the bus, and the caller must be told so (never a 202). */
export class OrderNotPlacedError extends Error {
  override name = 'OrderNotPlacedError';
  constructor(
    readonly orderId: string,
    options: ErrorOptions,
  ) {
    super(`OrderPlaced for order ${orderId} could not be put on the bus`, options);
  }
}

/** A key is remembered for a day, as long as EventBridge itself may redeliver the event it produced. */
const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;

/**
 * The order's id, derived from the Idempotency-Key and the order (an RFC 9562 version 8 UUID over their
 * SHA-256). A retry after an ambiguous PutEvents failure (a timeout after EventBridge accepted the
 * entry) therefore puts the same fact about the same order, which every consumer dedupes, instead of a
 * second order under a fresh id.
 */
export const orderIdFor = (idempotencyKey: string, order: PlaceOrderRequest): string => {
  const hex = createHash('sha256')
    .update(idempotencyKey)
    .update('\n')
    .update(JSON.stringify(order))
    .digest('hex');
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/**
 * Validates a `POST /orders` body: first as the request (every field of the contract but the assigned
 * ones, nothing more), then the whole `OrderPlaced` detail it makes with the contract itself, so its
 * cross-field rules apply too. On failure, every invalid field.
 */
export const parsePlacement = (
  body: unknown,
  idempotencyKey: string,
  now: Date,
): { success: true; placement: Placement } | { success: false; errors: InvalidParam[] } => {
  const request = PlaceOrderRequest.safeParse(body);
  if (!request.success) return { success: false, errors: invalidParamsOf(request.error) };
  const order = request.data;
  const detail = OrderPlaced.detail.safeParse({
    ...order,
    orderId: orderIdFor(idempotencyKey, order),
    occurredAt: now.toISOString(),
  });
  if (!detail.success) return { success: false, errors: invalidParamsOf(detail.error) };
  return { success: true, placement: { idempotencyKey, order, detail: detail.data } };
};

/**
 * Puts a placement's `OrderPlaced` on the bus once per Idempotency-Key (Powertools idempotency): a
 * replay with the same key and the same order answers what the first answered; the same key with
 * another order throws `IdempotencyValidationError`; one still in progress throws
 * `IdempotencyAlreadyInProgressError`. A failed put throws `OrderNotPlacedError` and forgets the key, so
 * the retry places the order.
 */
export const createPlaceOrder = (deps: PlaceOrderDeps) => {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    payloadValidationJmesPath: 'order',
    expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
  });
  const placeOnce = makeIdempotent(
    async ({ detail }: Placement): Promise<OrderAccepted> => {
      try {
        await deps.publisher.publish([emit(OrderPlaced, detail)]);
      } catch (error) {
        throw new OrderNotPlacedError(detail.orderId, { cause: error });
      }
      return { orderId: detail.orderId, status: 'PENDING' };
    },
    { persistenceStore: deps.persistenceStore, config },
  );
  return (placement: Placement, context?: Context): Promise<OrderAccepted> => {
    if (context) config.registerLambdaContext(context);
    return placeOnce(placement);
  };
};
