import { describe, expect, it } from 'vitest';
import {
  type ChargedPayment,
  type Decision,
  type DeclinedPayment,
  decideOrderCancelled,
  decideOrderPlaced,
  PaymentLedgerMismatchError,
  type RefundedPayment,
  type Step,
  type TombstonedPayment,
} from '../../../../services/payment/domain/payment.js';
import {
  type OrderCancelled,
  type OrderPlaced,
  PaymentFailed,
  PaymentProcessed,
  PaymentRefunded,
  PaymentVoided,
} from '../../../../shared/events/index.js';
import { orderCancelledDelivery, orderPlacedDelivery } from '../../support/payment-fixtures.js';

const NOW = new Date('2024-03-01T12:00:00.000Z');
const LATER = new Date('2024-03-01T12:05:00.000Z');

const order: OrderPlaced = orderPlacedDelivery({ orderId: 'order-1' }).detail;
const cancellation: OrderCancelled = orderCancelledDelivery('order-1').detail;

const charged: ChargedPayment = {
  orderId: 'order-1',
  status: 'CHARGED',
  paymentId: 'pay_1',
  amountCents: order.amountCents,
  currency: order.currency,
  items: order.items,
  chargedAt: NOW.toISOString(),
};
const declined: DeclinedPayment = {
  orderId: 'order-1',
  status: 'DECLINED',
  reason: 'INSUFFICIENT_FUNDS',
  amountCents: order.amountCents,
  currency: order.currency,
  declinedAt: NOW.toISOString(),
};
const refunded: RefundedPayment = { ...charged, status: 'REFUNDED', refundedAt: LATER.toISOString() };
const tombstone: TombstonedPayment = {
  orderId: 'order-1',
  status: 'TOMBSTONED',
  cancelReason: 'DEADLINE_EXCEEDED',
  cancelledAt: NOW.toISOString(),
};

/** The decision of a step that needs no provider. */
const decisionOf = (step: Step): Decision => {
  if (step.kind !== 'DECIDED') throw new Error(`expected a decided step, got ${step.kind}`);
  return step.decision;
};

/** What a decision publishes, as detail-type and detail. */
const published = (decision: Decision) =>
  decision.emit.map((e) => ({ detailType: e.definition.detailType, detail: e.detail }));

describe('payment decisions on OrderPlaced', () => {
  it('asks the provider to charge the order once, keyed by the order id', () => {
    const step = decideOrderPlaced(undefined, order, NOW);

    expect(step.kind).toBe('CHARGE');
    expect(step.kind === 'CHARGE' && step.request).toEqual({
      idempotencyKey: 'order-1',
      amountCents: 3399,
      currency: 'EUR',
      token: 'tok_visa',
    });
  });

  it('records a charge and publishes PaymentProcessed with the items carried on', () => {
    const step = decideOrderPlaced(undefined, order, NOW);
    if (step.kind !== 'CHARGE') throw new Error('expected a charge');

    const decision = step.decide({ outcome: 'CHARGED', paymentId: 'pay_1' });

    expect(decision.commit).toEqual({ expected: undefined, state: charged });
    expect(published(decision)).toEqual([
      {
        detailType: PaymentProcessed.detailType,
        detail: {
          orderId: 'order-1',
          occurredAt: NOW.toISOString(),
          paymentId: 'pay_1',
          amountCents: 3399,
          currency: 'EUR',
          items: order.items,
        },
      },
    ]);
  });

  it('records a declined charge and publishes PaymentFailed with the reason', () => {
    const step = decideOrderPlaced(undefined, order, NOW);
    if (step.kind !== 'CHARGE') throw new Error('expected a charge');

    const decision = step.decide({ outcome: 'DECLINED', reason: 'INSUFFICIENT_FUNDS' });

    expect(decision.commit).toEqual({ expected: undefined, state: declined });
    expect(published(decision)).toEqual([
      {
        detailType: PaymentFailed.detailType,
        detail: { orderId: 'order-1', occurredAt: NOW.toISOString(), reason: 'INSUFFICIENT_FUNDS' },
      },
    ]);
  });

  it.each([
    ['CHARGED', charged, PaymentProcessed.detailType],
    ['DECLINED', declined, PaymentFailed.detailType],
    ['REFUNDED', refunded, PaymentRefunded.detailType],
  ] as const)('publishes again from a %s payment without charging or committing', (_, stored, detailType) => {
    const decision = decisionOf(decideOrderPlaced(stored, order, LATER));

    expect(decision.commit).toBeUndefined();
    expect(published(decision).map((e) => e.detailType)).toEqual([detailType]);
  });

  it('republishes exactly what the stored charge said, its time included', () => {
    const decision = decisionOf(decideOrderPlaced(charged, order, LATER));

    expect(published(decision)[0]?.detail).toMatchObject({
      occurredAt: NOW.toISOString(),
      paymentId: 'pay_1',
    });
  });

  it('never charges behind a tombstone, but refunds by key in case a crashed attempt charged', () => {
    const step = decideOrderPlaced(tombstone, order, LATER);

    expect(step.kind).toBe('REFUND');
    expect(step.kind === 'REFUND' && step.request).toEqual({ idempotencyKey: 'order-1' });
  });

  it('does nothing behind a tombstone when the provider has nothing to refund', () => {
    const step = decideOrderPlaced(tombstone, order, LATER);
    if (step.kind !== 'REFUND') throw new Error('expected a refund');

    expect(step.decide({ outcome: 'NOTHING_TO_REFUND' })).toEqual({ emit: [] });
  });

  it('records and publishes the refund of a charge found behind a tombstone', () => {
    const step = decideOrderPlaced(tombstone, order, LATER);
    if (step.kind !== 'REFUND') throw new Error('expected a refund');

    const decision = step.decide({ outcome: 'REFUNDED', paymentId: 'pay_1', amountCents: 3399 });

    expect(decision.commit).toEqual({
      expected: 'TOMBSTONED',
      state: {
        orderId: 'order-1',
        status: 'REFUNDED',
        paymentId: 'pay_1',
        amountCents: 3399,
        currency: 'EUR',
        items: order.items,
        refundedAt: LATER.toISOString(),
      },
    });
    expect(published(decision).map((e) => e.detailType)).toEqual([PaymentRefunded.detailType]);
  });
});

describe('payment decisions on OrderCancelled', () => {
  it('leaves a tombstone and publishes PaymentVoided when the cancellation comes before any charge', () => {
    const decision = decisionOf(decideOrderCancelled(undefined, cancellation, NOW));

    expect(decision.commit).toEqual({
      expected: undefined,
      state: {
        orderId: 'order-1',
        status: 'TOMBSTONED',
        cancelReason: 'DEADLINE_EXCEEDED',
        cancelledAt: NOW.toISOString(),
      },
    });
    expect(published(decision)).toEqual([
      { detailType: PaymentVoided.detailType, detail: { orderId: 'order-1', occurredAt: NOW.toISOString() } },
    ]);
  });

  it('refunds a charge when the order is cancelled', () => {
    const step = decideOrderCancelled(charged, cancellation, LATER);
    if (step.kind !== 'REFUND') throw new Error('expected a refund');

    const decision = step.decide({ outcome: 'REFUNDED', paymentId: 'pay_1', amountCents: 3399 });

    expect(step.request).toEqual({ idempotencyKey: 'order-1' });
    expect(decision.commit).toEqual({ expected: 'CHARGED', state: refunded });
    expect(published(decision)).toEqual([
      {
        detailType: PaymentRefunded.detailType,
        detail: {
          orderId: 'order-1',
          occurredAt: LATER.toISOString(),
          paymentId: 'pay_1',
          amountCents: 3399,
          currency: 'EUR',
        },
      },
    ]);
  });

  it('publishes PaymentRefunded again for a payment already refunded', () => {
    const decision = decisionOf(decideOrderCancelled(refunded, cancellation, LATER));

    expect(decision.commit).toBeUndefined();
    expect(published(decision).map((e) => e.detailType)).toEqual([PaymentRefunded.detailType]);
  });

  it.each([
    ['DECLINED', declined],
    ['TOMBSTONED', tombstone],
  ] as const)(
    'commits nothing for a %s payment, since nothing was charged, and publishes PaymentVoided as stored',
    (_, stored) => {
      const decision = decisionOf(decideOrderCancelled(stored, cancellation, LATER));

      expect(decision.commit).toBeUndefined();
      expect(published(decision)).toEqual([
        {
          detailType: PaymentVoided.detailType,
          detail: { orderId: 'order-1', occurredAt: NOW.toISOString() },
        },
      ]);
    },
  );

  it('refuses to record a refund the provider says it cannot make', () => {
    const step = decideOrderCancelled(charged, cancellation, LATER);
    if (step.kind !== 'REFUND') throw new Error('expected a refund');

    expect(() => step.decide({ outcome: 'NOTHING_TO_REFUND' })).toThrow(PaymentLedgerMismatchError);
  });

  it('refuses to record the refund of a payment other than the recorded one', () => {
    const step = decideOrderCancelled(charged, cancellation, LATER);
    if (step.kind !== 'REFUND') throw new Error('expected a refund');

    expect(() => step.decide({ outcome: 'REFUNDED', paymentId: 'pay_2', amountCents: 3399 })).toThrow(
      PaymentLedgerMismatchError,
    );
  });
});
