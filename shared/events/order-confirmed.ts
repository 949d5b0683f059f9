import * as z from 'zod/mini';
import { AmountCents, Currency, defineEvent, SagaFields, Sources } from './common.js';

/** The saga committed: the order is paid for and its stock is reserved. */
export const OrderConfirmed = defineEvent({
  source: Sources.orders,
  detailType: 'OrderConfirmed',
  description: 'The saga committed. Consumed by the audit.',
  detail: z.strictObject({ ...SagaFields, amountCents: AmountCents, currency: Currency }),
});
export type OrderConfirmed = z.infer<typeof OrderConfirmed.detail>;
