import * as z from 'zod/mini';
import { defineEvent, enumOf, SagaFields, Sources } from './common.js';

/** How a saga ended, as the order service recorded it. */
export const SagaOutcome = enumOf(['CONFIRMED', 'CANCELLED']);
export type SagaOutcome = z.infer<typeof SagaOutcome>;

/** What the audit can find wrong with a saga's end state. */
export const AuditFinding = enumOf([
  // Published in the first version; the audit now refuses an event about an unknown order instead of
  // recording a verdict. Kept so that every event the published schema allowed is still valid.
  'ORDER_NOT_FOUND',
  'ORDER_STATUS_MISMATCH',
  // A cancellation arrived for an order the orders table holds CONFIRMED: a forged or misrouted
  // `OrderCancelled`, which made payment refund and inventory release a saga that had committed.
  'CONFIRMED_ORDER_CANCELLED',
  'PAYMENT_NOT_CHARGED',
  'PAYMENT_NOT_REFUNDED',
  'PAYMENT_NOT_SETTLED',
  'RESERVATION_MISSING',
  'RESERVATION_NOT_RELEASED',
  'RESERVATION_NOT_SETTLED',
]);
export type AuditFinding = z.infer<typeof AuditFinding>;

/** The audit workflow's verdict on one saga's end state. */
export const SagaAudited = defineEvent({
  source: Sources.sagaAudit,
  detailType: 'SagaAudited',
  description: 'The audit reached a verdict (outcome, consistent, findings). For operators and alarms.',
  detail: z.strictObject({
    ...SagaFields,
    outcome: SagaOutcome,
    consistent: z.boolean(),
    findings: z.array(AuditFinding).check(z.maxLength(AuditFinding.options.length)),
  }),
});
export type SagaAudited = z.infer<typeof SagaAudited.detail>;
