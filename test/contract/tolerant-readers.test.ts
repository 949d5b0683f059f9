import { describe, expect, it } from 'vitest';
import { decideOrderCancelled as releaseDecision } from '../../services/inventory/domain/inventory.js';
import { decideOrderCancelled as refundDecision } from '../../services/payment/domain/payment.js';
import {
  CancellationReason,
  InventoryReservationVoided,
  OrderCancelled,
  PaymentVoided,
} from '../../shared/events/index.js';
import { parseEvent } from '../../shared/lambda.js';
import { eventOf, newOrderId } from '../services/support/events.js';

// A reason and a cause added to the contract after these consumers were written: none of their schemas lists them.
const LATER_REASON = 'FRAUD_SUSPECTED';
const LATER_CAUSE = 'CHARGEBACK_FILED';

describe('consumers read OrderCancelled tolerantly', () => {
  it('the reason and cause of the test are unknown to the contract the consumers were built with', () => {
    expect(CancellationReason.safeParse(LATER_REASON).success).toBe(false);
  });

  it('parses a cancellation whose reason and cause its schema does not list, keeping them as sent', () => {
    const orderId = newOrderId();
    const parsed = parseEvent(
      OrderCancelled,
      eventOf(OrderCancelled, orderId, { reason: LATER_REASON, cause: LATER_CAUSE }),
    );

    expect(parsed).toMatchObject({
      success: true,
      data: { orderId, reason: LATER_REASON, cause: LATER_CAUSE },
    });
  });

  it('still refuses a reason that is not a word of the contract’s form, changing nothing', () => {
    const parsed = parseEvent(
      OrderCancelled,
      eventOf(OrderCancelled, newOrderId(), { reason: 'drop table' }),
    );

    expect(parsed.success).toBe(false);
  });

  it('compensates a cancellation of an unknown reason as any other: payment and inventory tombstone and void', () => {
    const orderId = newOrderId();
    const parsed = parseEvent(OrderCancelled, eventOf(OrderCancelled, orderId, { reason: LATER_REASON }));
    if (!parsed.success) throw parsed.error;
    const now = new Date('2025-01-01T00:00:00.000Z');
    const voided = (definition: { detailType: string }) => [
      expect.objectContaining({ definition: expect.objectContaining({ detailType: definition.detailType }) }),
    ];

    expect(refundDecision(undefined, parsed.data, now)).toMatchObject({
      decision: {
        commit: { expected: undefined, state: { orderId, status: 'TOMBSTONED', cancelReason: LATER_REASON } },
        emit: voided(PaymentVoided),
      },
    });
    expect(releaseDecision(undefined, parsed.data, now.toISOString())).toMatchObject({
      kind: 'tombstone',
      emit: voided(InventoryReservationVoided),
    });
  });
});
