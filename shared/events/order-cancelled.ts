import * as z from 'zod/mini';
import { defineEvent, enumOf, extensibleEnum, SagaFields, Sources } from './common.js';
import { ReservationFailureReason } from './inventory-reservation-failed.js';
import { PaymentFailureReason } from './payment-failed.js';

/** Why the saga is rolled back: the reasons the order service gives (it parses its own state with these). */
export const CancellationReason = enumOf([
  'PAYMENT_FAILED',
  'OUT_OF_STOCK',
  'ORDER_REJECTED',
  'DEADLINE_EXCEEDED',
  'CUSTOMER_REQUEST',
]);
export type CancellationReason = z.infer<typeof CancellationReason>;

/** Business reasons for which the order service refuses an order outright. */
export const RejectionReason = enumOf(['SHIP_TO_COUNTRY_NOT_SERVED']);
export type RejectionReason = z.infer<typeof RejectionReason>;

/** The finer cause behind a cancellation, when a step reported one. */
export const CancellationCause = enumOf([
  ...PaymentFailureReason.options,
  ...ReservationFailureReason.options,
  ...RejectionReason.options,
]);
export type CancellationCause = z.infer<typeof CancellationCause>;

/**
 * The saga is rolled back: every service undoes its own step. Consumers compensate whatever the reason and
 * cause, so they read both tolerantly: a reason added later (as CUSTOMER_REQUEST was) must not make a
 * consumer deployed before it dead-letter the cancellation and leave money charged or stock held.
 */
export const OrderCancelled = defineEvent({
  source: Sources.orders,
  detailType: 'OrderCancelled',
  description:
    'The saga is rolled back (reason). Consumed by payment (refund), inventory (release) and the audit, ' +
    'which compensate whatever the reason: reason and cause are open-ended lists (x-extensible-enum).',
  detail: z.strictObject({
    ...SagaFields,
    reason: extensibleEnum(CancellationReason),
    cause: z.optional(extensibleEnum(CancellationCause)),
  }),
});
export type OrderCancelled = z.infer<typeof OrderCancelled.detail>;
