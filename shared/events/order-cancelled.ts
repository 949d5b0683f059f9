import { z } from 'zod';
import { defineEvent, SagaFields, Sources } from './common.js';
import { ReservationFailureReason } from './inventory-reservation-failed.js';
import { PaymentFailureReason } from './payment-failed.js';

/** Why the saga is rolled back. */
export const CancellationReason = z.enum([
  'PAYMENT_FAILED',
  'OUT_OF_STOCK',
  'ORDER_REJECTED',
  'DEADLINE_EXCEEDED',
  'CUSTOMER_REQUEST',
]);
export type CancellationReason = z.infer<typeof CancellationReason>;

/** Business reasons for which the order service refuses an order outright. */
export const RejectionReason = z.enum(['SHIP_TO_COUNTRY_NOT_SERVED']);
export type RejectionReason = z.infer<typeof RejectionReason>;

/** The finer cause behind a cancellation, when a step reported one. */
export const CancellationCause = z.enum([
  ...PaymentFailureReason.options,
  ...ReservationFailureReason.options,
  ...RejectionReason.options,
]);
export type CancellationCause = z.infer<typeof CancellationCause>;

/** The saga is rolled back: every service undoes its own step. */
export const OrderCancelled = defineEvent({
  source: Sources.orders,
  detailType: 'OrderCancelled',
  description:
    'The saga is rolled back (reason). Consumed by payment (refund), inventory (release) and the audit.',
  detail: z.strictObject({ ...SagaFields, reason: CancellationReason, cause: CancellationCause.optional() }),
});
export type OrderCancelled = z.infer<typeof OrderCancelled.detail>;
