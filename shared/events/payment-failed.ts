import * as z from 'zod/mini';
import { defineEvent, enumOf, SagaFields, Sources } from './common.js';

/** Why a charge was refused. Transient gateway errors are retried and never become a PaymentFailed. */
export const PaymentFailureReason = enumOf(['CARD_DECLINED', 'INSUFFICIENT_FUNDS']);
export type PaymentFailureReason = z.infer<typeof PaymentFailureReason>;

/** The charge was declined. */
export const PaymentFailed = defineEvent({
  source: Sources.payments,
  detailType: 'PaymentFailed',
  description: 'The charge was declined. Consumed by order (cancel).',
  detail: z.strictObject({ ...SagaFields, reason: PaymentFailureReason }),
});
export type PaymentFailed = z.infer<typeof PaymentFailed.detail>;
