import * as z from 'zod/mini';
import { defineEvent, SagaFields, Sources } from './common.js';

/**
 * The order was cancelled before its stock was reserved, so it never will be: the cancellation found no
 * reservation (it left a tombstone that refuses a late reservation, or the reservation had been refused).
 * The reservation's compensation is done; no stock moved.
 */
export const InventoryReservationVoided = defineEvent({
  source: Sources.inventory,
  detailType: 'InventoryReservationVoided',
  description:
    'The order was cancelled before its stock was reserved, so it never will be. Audit-only: the audit reads the state it leaves.',
  detail: z.strictObject({ ...SagaFields }),
});
export type InventoryReservationVoided = z.infer<typeof InventoryReservationVoided.detail>;
