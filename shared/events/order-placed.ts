import * as z from 'zod/mini';
import {
  AmountCents,
  Currency,
  defineEvent,
  Id,
  Limits,
  OrderLines,
  SagaFields,
  Sources,
  totalOf,
} from './common.js';

/** A reference to a card held by the payment provider. Never card data: only the opaque token. */
export const PaymentToken = z
  .string()
  .check(z.regex(/^tok_[a-z0-9_]{1,60}$/, 'must be a payment-provider token such as "tok_visa"'));

/** Where the order ships: an ISO 3166-1 alpha-2 country code. */
export const ShipTo = z.strictObject({
  country: z.string().check(z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')),
});

/** An order's total: money, capped at what one card charge can take (`Limits.maxOrderTotalCents`). */
export const OrderTotalCents = AmountCents.check(
  z.maximum(
    Limits.maxOrderTotalCents,
    `must not exceed ${Limits.maxOrderTotalCents} minor units, the most one card charge can take`,
  ),
);

/** A customer checked out, put by the storefront (never by a service). Starts the saga. */
export const OrderPlaced = defineEvent({
  source: Sources.storefront,
  detailType: 'OrderPlaced',
  description:
    'A customer checked out, put by the storefront; starts the saga. Consumed by order (record or reject) and payment (charge).',
  detail: z
    .strictObject({
      ...SagaFields,
      customerId: Id,
      items: OrderLines,
      currency: Currency,
      amountCents: OrderTotalCents,
      paymentToken: PaymentToken,
      shipTo: ShipTo,
    })
    .check(
      z.refine((order) => order.amountCents === totalOf(order.items), {
        message: 'must equal the sum of quantity × unitPriceCents over the items',
        path: ['amountCents'],
      }),
    ),
});
export type OrderPlaced = z.infer<typeof OrderPlaced.detail>;
