/**
 * Auditing a saga again, as an operator does after redriving its dead letters: a compensation that waited in
 * a DLQ completes only once redriven, after the saga's audit stopped waiting for it. A refund or a release
 * then starts an audit by itself; a tombstone (the compensation arrived before its action) publishes nothing.
 */
import { OrderCancelled, OrderConfirmed } from '../../../shared/events/index.js';
import type { AuditInput } from '../../constructs/audit-definition.js';
import type { LoggedEvent } from '../emulator/runtime.js';

/** The stack output that names the audit state machine (`StartExecution` takes it as well). */
export const AUDIT_STATE_MACHINE = 'AuditStateMachineArn';

const OUTCOMES: Record<string, AuditInput['outcome']> = {
  [OrderConfirmed.detailType]: 'CONFIRMED',
  [OrderCancelled.detailType]: 'CANCELLED',
};

/** The audit's input for a saga, from its latest terminal event; undefined while the saga has not ended. */
export const auditInputOf = (orderId: string, timeline: readonly LoggedEvent[]): AuditInput | undefined => {
  const ended = timeline.findLast(({ event }) => event['detail-type'] in OUTCOMES);
  const outcome = ended && OUTCOMES[ended.event['detail-type']];
  return outcome && { orderId, outcome };
};
