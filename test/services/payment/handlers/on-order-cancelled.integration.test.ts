import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayUnavailableError } from '../../../../services/payment/domain/ports.js';
import { PaymentRefunded, PaymentVoided } from '../../../../shared/events/index.js';
import { InvalidEventError } from '../../../../shared/lambda.js';
import { failFirstPutEvents, type PaymentHarness, startPaymentHarness } from '../../support/payment.js';
import { orderCancelledDelivery, orderPlacedDelivery } from '../../support/payment-fixtures.js';

describe('payment on OrderCancelled', () => {
  let harness: PaymentHarness;

  beforeAll(async () => {
    harness = await startPaymentHarness();
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.logger.clear());

  it('refunds a charge when the order is cancelled and publishes PaymentRefunded', async () => {
    const order = orderPlacedDelivery();
    await harness.deliverOrderPlaced(order);

    await harness.deliverOrderCancelled(orderCancelledDelivery(order.detail.orderId));

    const stored = await harness.payments.load(order.detail.orderId);
    expect(stored).toMatchObject({ status: 'REFUNDED', amountCents: 3399, currency: 'EUR' });
    expect(harness.published(PaymentRefunded, order.detail.orderId)).toEqual([
      {
        orderId: order.detail.orderId,
        occurredAt: stored?.status === 'REFUNDED' && stored.refundedAt,
        paymentId: stored?.status === 'REFUNDED' && stored.paymentId,
        amountCents: 3399,
        currency: 'EUR',
      },
    ]);
    expect(await harness.gateway.ledgerEntry(order.detail.orderId)).toMatchObject({
      chargesCreated: 1,
      refundsCreated: 1,
    });
  });

  it('leaves a tombstone when the cancellation comes before the order, and publishes PaymentVoided', async () => {
    const cancellation = orderCancelledDelivery(orderPlacedDelivery().detail.orderId);
    const { orderId } = cancellation.detail;

    await harness.deliverOrderCancelled(cancellation);

    const stored = await harness.payments.load(orderId);
    expect(stored).toEqual({
      orderId,
      status: 'TOMBSTONED',
      cancelReason: 'DEADLINE_EXCEEDED',
      cancelledAt: expect.any(String),
    });
    expect(harness.published(PaymentVoided, orderId)).toEqual([
      { orderId, occurredAt: stored?.status === 'TOMBSTONED' && stored.cancelledAt },
    ]);
    expect(harness.published(PaymentRefunded, orderId)).toEqual([]);
  });

  it('fails when publishing fails after the tombstone, and its retry publishes the stored void exactly', async () => {
    const cancellation = orderCancelledDelivery(orderPlacedDelivery().detail.orderId);
    const { orderId } = cancellation.detail;
    const removeFault = failFirstPutEvents(harness.eventBridgeClient);
    try {
      await expect(harness.deliverOrderCancelled(cancellation)).rejects.toThrow('Injected fault');
      const committed = await harness.payments.load(orderId);
      if (committed?.status !== 'TOMBSTONED') throw new Error('expected a committed tombstone');

      await harness.deliverOrderCancelled(cancellation);

      expect(harness.published(PaymentVoided, orderId)).toEqual([
        { orderId, occurredAt: committed.cancelledAt },
      ]);
    } finally {
      removeFault();
    }
  });

  it('changes nothing for a declined payment, and publishes PaymentVoided', async () => {
    const order = orderPlacedDelivery({ paymentToken: 'tok_declined' });
    await harness.deliverOrderPlaced(order);

    await harness.deliverOrderCancelled(
      orderCancelledDelivery(order.detail.orderId, { reason: 'PAYMENT_FAILED', cause: 'CARD_DECLINED' }),
    );

    const stored = await harness.payments.load(order.detail.orderId);
    expect(stored).toMatchObject({ status: 'DECLINED' });
    expect(harness.published(PaymentVoided, order.detail.orderId)).toEqual([
      { orderId: order.detail.orderId, occurredAt: stored?.status === 'DECLINED' && stored.declinedAt },
    ]);
    expect(harness.published(PaymentRefunded, order.detail.orderId)).toEqual([]);
  });

  it('needs N+1 deliveries to refund when the provider fails the refund N times', async () => {
    const order = orderPlacedDelivery({ paymentToken: 'tok_visa_refund_fails_2' });
    await harness.deliverOrderPlaced(order);
    const cancellation = orderCancelledDelivery(order.detail.orderId);

    await expect(harness.deliverOrderCancelled(cancellation)).rejects.toThrow(GatewayUnavailableError);
    await expect(harness.deliverOrderCancelled(cancellation)).rejects.toThrow(GatewayUnavailableError);
    expect(await harness.payments.load(order.detail.orderId)).toMatchObject({ status: 'CHARGED' });
    await harness.deliverOrderCancelled(cancellation);

    expect(await harness.payments.load(order.detail.orderId)).toMatchObject({ status: 'REFUNDED' });
    expect(await harness.gateway.ledgerEntry(order.detail.orderId)).toMatchObject({
      refundAttempts: 3,
      refundsCreated: 1,
    });
    expect(harness.published(PaymentRefunded, order.detail.orderId)).toHaveLength(1);
  });

  it('fails when publishing fails after the refund, and its retry publishes the stored refund exactly', async () => {
    const order = orderPlacedDelivery();
    await harness.deliverOrderPlaced(order);
    const cancellation = orderCancelledDelivery(order.detail.orderId);
    const removeFault = failFirstPutEvents(harness.eventBridgeClient);
    try {
      await expect(harness.deliverOrderCancelled(cancellation)).rejects.toThrow('Injected fault');
      const committed = await harness.payments.load(order.detail.orderId);
      if (committed?.status !== 'REFUNDED') throw new Error('expected a committed refund');

      await harness.deliverOrderCancelled(cancellation);

      expect(harness.published(PaymentRefunded, order.detail.orderId)).toEqual([
        {
          orderId: committed.orderId,
          occurredAt: committed.refundedAt,
          paymentId: committed.paymentId,
          amountCents: committed.amountCents,
          currency: committed.currency,
        },
      ]);
      expect(await harness.gateway.ledgerEntry(order.detail.orderId)).toMatchObject({ refundsCreated: 1 });
    } finally {
      removeFault();
    }
  });

  it('refuses an invalid OrderCancelled: no table changes, one error logged, InvalidEventError', async () => {
    const order = orderPlacedDelivery();
    await harness.deliverOrderPlaced(order);
    const cancellation = orderCancelledDelivery(order.detail.orderId);
    // Consumers read reasons they do not know (an open list), but not a reason that is not a reason code.
    (cancellation.detail as { reason: unknown }).reason = 'changed my mind!';
    const before = await harness.itemCounts();

    await expect(harness.deliverOrderCancelled(cancellation)).rejects.toThrow(InvalidEventError);

    expect(await harness.itemCounts()).toEqual(before);
    expect(await harness.payments.load(order.detail.orderId)).toMatchObject({ status: 'CHARGED' });
    expect(harness.logger.linesAt('ERROR')).toHaveLength(1);
  });
});
