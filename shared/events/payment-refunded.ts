import * as z from 'zod/mini';
import { AmountCents, Currency, defineEvent, Id, SagaFields, Sources } from './common.js';

/** A charge was compensated: the customer got the money back. */
export const PaymentRefunded = defineEvent({
  source: Sources.payments,
  detailType: 'PaymentRefunded',
  description: 'A charge was compensated. Audit-only: the audit reads the state it leaves.',
  detail: z.strictObject({ ...SagaFields, paymentId: Id, amountCents: AmountCents, currency: Currency }),
});
export type PaymentRefunded = z.infer<typeof PaymentRefunded.detail>;
