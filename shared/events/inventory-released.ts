import * as z from 'zod/mini';
import { defineEvent, Limits, SagaFields, Sources, StockLine } from './common.js';

/** A reservation was compensated: its stock is available again. */
export const InventoryReleased = defineEvent({
  source: Sources.inventory,
  detailType: 'InventoryReleased',
  description: 'A reservation was compensated. Audit-only: the audit reads the state it leaves.',
  detail: z.strictObject({
    ...SagaFields,
    items: z.array(StockLine).check(z.minLength(1), z.maxLength(Limits.maxLines)),
  }),
});
export type InventoryReleased = z.infer<typeof InventoryReleased.detail>;
