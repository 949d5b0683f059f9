import * as z from 'zod/mini';
import { defineEvent, enumOf, SagaFields, Sources } from './common.js';

/** How a saga ended, as the order service recorded it. */
export const SagaOutcome = enumOf(['CONFIRMED', 'CANCELLED']);
export type SagaOutcome = z.infer<typeof SagaOutcome>;

/**
 * What the audit can find wrong with a saga's end state. Every finding is one of two kinds (`FindingKinds`),
 * and an inconsistent verdict always means one of them: a rule of the saga is broken, or a step is stuck where
 * only a person can move it. A compensation merely running late is neither: the audit waits for it longer
 * than Lambda retries it, and whenever it lands it publishes a fact that audits the saga again.
 */
export const AuditFinding = enumOf([
  // Published in the first version; the audit now refuses an event about an unknown order instead of
  // recording a verdict. Kept so that every event the published schema allowed is still valid.
  'ORDER_NOT_FOUND',
  // Broken rule: the order's status is not the outcome that the event which started the audit announced.
  'ORDER_STATUS_MISMATCH',
  // Broken rule: a cancellation arrived for an order the orders table holds CONFIRMED: a forged or misrouted
  // `OrderCancelled`, which made payment refund and inventory release a saga that had committed.
  'CONFIRMED_ORDER_CANCELLED',
  // Broken rule: a confirmed saga whose payment is not CHARGED.
  'PAYMENT_NOT_CHARGED',
  // Stuck step: a cancelled saga's charge is still not refunded after the audit's waits.
  'PAYMENT_NOT_REFUNDED',
  // Stuck step: a cancelled saga's payment is neither refunded nor void after the audit's waits (its
  // cancellation never reached payment, or payment left a status the saga does not know).
  'PAYMENT_NOT_SETTLED',
  // Broken rule: a confirmed saga whose stock is not RESERVED.
  'RESERVATION_MISSING',
  // Stuck step: a cancelled saga's stock is still reserved after the audit's waits.
  'RESERVATION_NOT_RELEASED',
  // Stuck step: a cancelled saga's reservation is neither released nor void after the audit's waits.
  'RESERVATION_NOT_SETTLED',
]);
export type AuditFinding = z.infer<typeof AuditFinding>;

/** The two kinds of finding: what an inconsistent verdict means, and so what an operator does about it. */
export const FindingKind = enumOf(['BROKEN_RULE', 'STUCK_STEP']);
export type FindingKind = z.infer<typeof FindingKind>;

/**
 * The kind of each finding. BROKEN_RULE: the end state contradicts a rule of the saga (a forged cancellation
 * of a confirmed order, a confirmed saga without its charge or reservation, a status that does not match):
 * money or stock needs a person, and no retry will fix it. STUCK_STEP: a compensation was still not done
 * after the audit's waits, which outlast Lambda's retries: it is in a dead-letter queue, or its target cannot
 * be reached; once it is sent again it lands, publishes its refund, release or void, and that fact audits the
 * saga again. ORDER_NOT_FOUND stays in the contract for the verdicts the archive holds, but the audit records
 * none: an unknown order fails the audit instead.
 */
export const FindingKinds: Record<AuditFinding, FindingKind> = {
  ORDER_NOT_FOUND: 'BROKEN_RULE',
  ORDER_STATUS_MISMATCH: 'BROKEN_RULE',
  CONFIRMED_ORDER_CANCELLED: 'BROKEN_RULE',
  PAYMENT_NOT_CHARGED: 'BROKEN_RULE',
  PAYMENT_NOT_REFUNDED: 'STUCK_STEP',
  PAYMENT_NOT_SETTLED: 'STUCK_STEP',
  RESERVATION_MISSING: 'BROKEN_RULE',
  RESERVATION_NOT_RELEASED: 'STUCK_STEP',
  RESERVATION_NOT_SETTLED: 'STUCK_STEP',
};

/** The findings of one kind, in the order of the enum. */
export const findingsOfKind = (kind: FindingKind): AuditFinding[] =>
  AuditFinding.options.filter((finding) => FindingKinds[finding] === kind);

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
