/**
 * The storefront API's messages as zod schemas: the handler validates with them and the OpenAPI document
 * is generated from them (`npm run openapi`), so the API and its description cannot drift apart.
 */
import * as z from 'zod/mini';
import {
  AmountCents,
  CancellationCause,
  CancellationReason,
  Currency,
  Id,
  OrderId,
  OrderLines,
  OrderPlaced,
  ShipTo,
  Timestamp,
} from '../../../shared/events/index.js';
import { OrderStatuses } from '../domain/order.js';

// What the API assigns itself; everything else of the contract's OrderPlaced is the customer's to say.
const { orderId: _orderId, occurredAt: _occurredAt, ...placedByCustomer } = OrderPlaced.detail.shape;

/**
 * The body of `POST /orders`: the contract's `OrderPlaced` detail without `orderId` and `occurredAt`.
 * The contract's cross-field rule (the amount equals the lines' total) cannot be written in JSON Schema;
 * the handler checks it by parsing the whole detail with the contract before anything is put.
 */
export const PlaceOrderRequest = z.strictObject(placedByCustomer).check(
  z.meta({
    description:
      'An order as the customer placed it: the OrderPlaced event of the contract without orderId and ' +
      'occurredAt, which the API assigns. amountCents must equal the sum of quantity × unitPriceCents.',
  }),
);
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

/** The answer to an accepted order: it is on the bus, and the saga decides it from there. */
export const OrderAccepted = z
  .strictObject({ orderId: OrderId, status: z.literal('PENDING') })
  .check(z.meta({ description: 'The order was put on the bus; follow it at the Location header.' }));
export type OrderAccepted = z.infer<typeof OrderAccepted>;

/** The order as the order service knows it (`GET /orders/{orderId}`). */
export const OrderView = z
  .strictObject({
    orderId: OrderId,
    status: z.enum(OrderStatuses),
    reason: z.optional(CancellationReason).check(z.meta({ description: 'Why the order was cancelled.' })),
    cause: z
      .optional(CancellationCause)
      .check(z.meta({ description: 'The finer cause, when a step reported one.' })),
    customerId: z.optional(Id),
    items: z.optional(OrderLines),
    currency: z.optional(Currency),
    amountCents: z.optional(AmountCents),
    shipTo: z.optional(ShipTo),
    placedAt: z
      .optional(Timestamp)
      .check(z.meta({ description: 'When the order was placed (its occurredAt).' })),
    receivedAt: Timestamp.check(z.meta({ description: 'When the order service received its first fact.' })),
    deadlineAt: z
      .optional(Timestamp)
      .check(z.meta({ description: 'While PENDING: when the order is cancelled if still undecided.' })),
    closedAt: z
      .optional(Timestamp)
      .check(z.meta({ description: 'When the order became CONFIRMED or CANCELLED.' })),
    cancellable: z
      .boolean()
      .check(z.meta({ description: 'Whether the customer may still cancel the order.' })),
  })
  .check(
    z.meta({
      description:
        'The order service’s state. The order’s own fields are absent while only other services’ facts ' +
        'about it have arrived (they may overtake OrderPlaced).',
    }),
  );
export type OrderView = z.infer<typeof OrderView>;

/** The header that makes `POST /orders` safe to retry; the same key with the same body is one order. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** The longest `Idempotency-Key` accepted: long enough for any UUID or ULID scheme, bounded for storage. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** The value of the `Idempotency-Key` header. */
export const IdempotencyKey = z.string().check(
  z.minLength(1),
  z.maxLength(MAX_IDEMPOTENCY_KEY_LENGTH),
  z.meta({
    description: 'A key unique to this order attempt (a UUID, say); retries of the attempt reuse it.',
  }),
);

/** One invalid part of a request, in a problem document: a JSON Pointer into the body, or a header. */
export const InvalidParam = z.strictObject({
  pointer: z
    .optional(z.string())
    .check(z.meta({ description: 'RFC 6901 JSON Pointer into the body, as a fragment.' })),
  header: z.optional(z.string()),
  parameter: z.optional(z.string()),
  detail: z.string(),
});
export type InvalidParam = z.infer<typeof InvalidParam>;

/** An RFC 9457 problem document (`application/problem+json`). */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.optional(z.string()),
    instance: z.optional(z.string()),
    errors: z
      .optional(z.array(InvalidParam))
      .check(z.meta({ description: 'Every invalid part of the request.' })),
  })
  .check(z.meta({ description: 'An RFC 9457 problem document.' }));
export type Problem = z.infer<typeof Problem>;

/** The media type of problem documents. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The problem types the API answers with; URNs, so they identify without pretending to be pages. */
export const ProblemTypes = {
  invalidOrder: 'urn:order-saga:problem:invalid-order',
  missingIdempotencyKey: 'urn:order-saga:problem:missing-idempotency-key',
  idempotencyKeyReused: 'urn:order-saga:problem:idempotency-key-reused',
  requestInProgress: 'urn:order-saga:problem:request-in-progress',
  orderNotPlaced: 'urn:order-saga:problem:order-not-placed',
  orderNotFound: 'urn:order-saga:problem:order-not-found',
  orderNotCancellable: 'urn:order-saga:problem:order-not-cancellable',
  routeNotFound: 'urn:order-saga:problem:route-not-found',
  methodNotAllowed: 'urn:order-saga:problem:method-not-allowed',
  internal: 'urn:order-saga:problem:internal-error',
} as const;
