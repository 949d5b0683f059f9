import * as z from 'zod/mini';
import { AmountCents, Currency, defineEvent, Id, OrderLines, SagaFields, Sources } from './common.js';

/** The card was charged. Carries the order's items on, so inventory needs no other source. */
export const PaymentProcessed = defineEvent({
  source: Sources.payments,
  detailType: 'PaymentProcessed',
  description: "The card was charged; carries the order's items on. Consumed by inventory (reserve).",
  detail: z.strictObject({
    ...SagaFields,
    paymentId: Id,
    amountCents: AmountCents,
    currency: Currency,
    items: OrderLines,
  }),
});
export type PaymentProcessed = z.infer<typeof PaymentProcessed.detail>;
