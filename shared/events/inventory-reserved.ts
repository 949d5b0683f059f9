import * as z from 'zod/mini';
import { defineEvent, Limits, SagaFields, Sources, StockLine } from './common.js';

/** Every line of the order was reserved, in one transaction. */
export const InventoryReserved = defineEvent({
  source: Sources.inventory,
  detailType: 'InventoryReserved',
  description: 'Every line was reserved, atomically. Consumed by order (confirm).',
  detail: z.strictObject({
    ...SagaFields,
    items: z.array(StockLine).check(z.minLength(1), z.maxLength(Limits.maxLines)),
  }),
});
export type InventoryReserved = z.infer<typeof InventoryReserved.detail>;
