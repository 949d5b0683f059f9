import * as z from 'zod/mini';
import { defineEvent, enumOf, Limits, SagaFields, Sku, Sources } from './common.js';

/** Why a reservation was refused. */
export const ReservationFailureReason = enumOf(['OUT_OF_STOCK', 'UNKNOWN_SKU']);
export type ReservationFailureReason = z.infer<typeof ReservationFailureReason>;

/** A line could not be reserved; nothing of the order was reserved. */
export const InventoryReservationFailed = defineEvent({
  source: Sources.inventory,
  detailType: 'InventoryReservationFailed',
  description:
    'A line could not be reserved (reason, skus); nothing was reserved. Consumed by order (cancel).',
  detail: z.strictObject({
    ...SagaFields,
    reason: ReservationFailureReason,
    skus: z.array(Sku).check(z.minLength(1), z.maxLength(Limits.maxLines)),
  }),
});
export type InventoryReservationFailed = z.infer<typeof InventoryReservationFailed.detail>;
