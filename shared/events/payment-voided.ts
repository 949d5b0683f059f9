import * as z from 'zod/mini';
import { defineEvent, SagaFields, Sources } from './common.js';

/**
 * The order was cancelled before it was charged, so it never will be: the cancellation found no charge (it
 * left a tombstone that refuses a late charge, or the card had been declined). The payment's compensation is
 * done; nothing moved money.
 */
export const PaymentVoided = defineEvent({
  source: Sources.payments,
  detailType: 'PaymentVoided',
  description:
    'The order was cancelled before it was charged, so it never will be. Audit-only: the audit reads the state it leaves.',
  detail: z.strictObject({ ...SagaFields }),
});
export type PaymentVoided = z.infer<typeof PaymentVoided.detail>;
