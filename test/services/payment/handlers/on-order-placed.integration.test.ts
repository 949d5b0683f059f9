import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayUnavailableError } from '../../../../services/payment/domain/ports.js';
import { PaymentFailed, PaymentProcessed, PaymentRefunded } from '../../../../shared/events/index.js';
import { InvalidEventError } from '../../../../shared/lambda.js';
import { failFirstPutEvents, type PaymentHarness, startPaymentHarness } from '../../support/payment.js';
import { orderCancelledDelivery, orderPlacedDelivery } from '../../support/payment-fixtures.js';

describe('payment on OrderPlaced', () => {
  let harness: PaymentHarness;

  beforeAll(async () => {
    harness = await startPaymentHarness();
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.logger.clear());

  it('charges the card and publishes PaymentProcessed with the items carried on', async () => {
    const order = orderPlacedDelivery();

    await harness.deliverOrderPlaced(order);

    const stored = await harness.payments.load(order.detail.orderId);
    expect(stored).toMatchObject({ status: 'CHARGED', amountCents: 3399, currency: 'EUR' });
    expect(harness.published(PaymentProcessed, order.detail.orderId)).toEqual([
      {
        orderId: order.detail.orderId,
        occurredAt: stored?.status === 'CHARGED' && stored.chargedAt,
        paymentId: stored?.status === 'CHARGED' && stored.paymentId,
        amountCents: 3399,
        currency: 'EUR',
        items: order.detail.items,
      },
    ]);
    expect(await harness.gateway.ledgerEntry(order.detail.orderId)).toMatchObject({ chargesCreated: 1 });
  });

  it.each([
    ['tok_declined', 'CARD_DECLINED'],
    ['tok_insufficient_funds', 'INSUFFICIENT_FUNDS'],
    ['tok_unknown_card', 'CARD_DECLINED'],
  ])('publishes PaymentFailed when %s is declined, charging nothing', async (paymentToken, reason) => {
    const order = orderPlacedDelivery({ paymentToken });

    await harness.deliverOrderPlaced(order);

    expect(await harness.payments.load(order.detail.orderId)).toMatchObject({ status: 'DECLINED', reason });
    expect(harness.published(PaymentFailed, order.detail.orderId)).toEqual([
      { orderId: order.detail.orderId, occurredAt: expect.any(String), reason },
    ]);
    expect(harness.published(PaymentProcessed, order.detail.orderId)).toEqual([]);
    expect(await harness.gateway.ledgerEntry(order.detail.orderId)).toMatchObject({ chargesCreated: 0 });
  });

  it('charges nothing for an order whose cancellation came first, leaving the tombstone', async () => {
    const order = orderPlacedDelivery();
    await harness.deliverOrderCancelled(orderCancelledDelivery(order.detail.orderId));

    await harness.deliverOrderPlaced(order);

    expect(await harness.payments.load(order.detail.orderId)).toMatchObject({ status: 'TOMBSTONED' });
    expect(await harness.gateway.ledgerEntry(order.detail.orderId)).toBeUndefined();
    expect(harness.published(PaymentProcessed, order.detail.orderId)).toEqual([]);
  });

  it('refunds a charge that a crashed attempt made before the cancellation left its tombstone', async () => {
    const order = orderPlacedDelivery();
    // An earlier attempt charged, then died before it could record the charge.
    await harness.gateway.charge({
      idempotencyKey: order.detail.orderId,
      amountCents: order.detail.amountCents,
      currency: order.detail.currency,
      token: order.detail.paymentToken,
    });
    await harness.deliverOrderCancelled(orderCancelledDelivery(order.detail.orderId));

    await harness.deliverOrderPlaced(order);

    expect(await harness.payments.load(order.detail.orderId)).toMatchObject({ status: 'REFUNDED' });
    expect(await harness.gateway.ledgerEntry(order.detail.orderId)).toMatchObject({
      chargesCreated: 1,
      refundsCreated: 1,
    });
    expect(harness.published(PaymentRefunded, order.detail.orderId)).toHaveLength(1);
    expect(harness.published(PaymentProcessed, order.detail.orderId)).toEqual([]);
  });

  it('charges exactly once for two concurrent deliveries of the same OrderPlaced', async () => {
    const order = orderPlacedDelivery();

    const results = await Promise.allSettled([
      harness.deliverOrderPlaced(order),
      harness.deliverOrderPlaced(structuredClone(order)),
    ]);

    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    for (const result of results) {
      if (result.status === 'rejected')
        expect(result.reason).toBeInstanceOf(IdempotencyAlreadyInProgressError);
    }
    expect(await harness.gateway.ledgerEntry(order.detail.orderId)).toMatchObject({ chargesCreated: 1 });
    expect(harness.published(PaymentProcessed, order.detail.orderId)).toHaveLength(1);
  });

  it('does nothing again for a redelivery of an OrderPlaced already handled', async () => {
    const order = orderPlacedDelivery();
    await harness.deliverOrderPlaced(order);

    await harness.deliverOrderPlaced({ ...structuredClone(order), id: 'another-delivery-id' });

    expect(await harness.gateway.ledgerEntry(order.detail.orderId)).toMatchObject({
      chargeAttempts: 1,
      chargesCreated: 1,
    });
    expect(harness.published(PaymentProcessed, order.detail.orderId)).toHaveLength(1);
  });

  it('fails when publishing fails after the commit, and its retry publishes the stored charge exactly', async () => {
    const order = orderPlacedDelivery();
    const removeFault = failFirstPutEvents(harness.eventBridgeClient);
    try {
      await expect(harness.deliverOrderPlaced(order)).rejects.toThrow('Injected fault');
      const committed = await harness.payments.load(order.detail.orderId);
      expect(committed?.status).toBe('CHARGED');
      expect(harness.published(PaymentProcessed, order.detail.orderId)).toEqual([]);

      await harness.deliverOrderPlaced(order);

      if (committed?.status !== 'CHARGED') throw new Error('expected a committed charge');
      expect(harness.published(PaymentProcessed, order.detail.orderId)).toEqual([
        {
          orderId: committed.orderId,
          occurredAt: committed.chargedAt,
          paymentId: committed.paymentId,
          amountCents: committed.amountCents,
          currency: committed.currency,
          items: committed.items,
        },
      ]);
      expect(committed.items).toEqual(order.detail.items);
      expect(await harness.gateway.ledgerEntry(order.detail.orderId)).toMatchObject({
        chargeAttempts: 1,
        chargesCreated: 1,
      });
    } finally {
      removeFault();
    }
  });

  it('retries through transient provider failures and charges once they are over', async () => {
    const order = orderPlacedDelivery({ paymentToken: 'tok_visa_charge_fails_2' });

    await expect(harness.deliverOrderPlaced(order)).rejects.toThrow(GatewayUnavailableError);
    await expect(harness.deliverOrderPlaced(order)).rejects.toThrow(GatewayUnavailableError);
    expect(await harness.payments.load(order.detail.orderId)).toBeUndefined();
    await harness.deliverOrderPlaced(order);

    expect(await harness.payments.load(order.detail.orderId)).toMatchObject({ status: 'CHARGED' });
    expect(await harness.gateway.ledgerEntry(order.detail.orderId)).toMatchObject({
      chargeAttempts: 3,
      chargesCreated: 1,
    });
    expect(harness.published(PaymentProcessed, order.detail.orderId)).toHaveLength(1);
    expect(harness.published(PaymentFailed, order.detail.orderId)).toEqual([]);
  });

  it('refuses an invalid OrderPlaced: no table changes, one error logged, InvalidEventError', async () => {
    const order = orderPlacedDelivery();
    const line = order.detail.items[0];
    if (line) line.quantity = -2;
    const before = await harness.itemCounts();

    await expect(harness.deliverOrderPlaced(order)).rejects.toThrow(InvalidEventError);

    expect(await harness.itemCounts()).toEqual(before);
    expect(harness.logger.linesAt('ERROR')).toHaveLength(1);
    expect(harness.logger.linesAt('ERROR')[0]).toMatchObject({ correlation_id: order.detail.orderId });
    expect(harness.published(PaymentProcessed, order.detail.orderId)).toEqual([]);
  });

  it('never logs the payment token', async () => {
    const order = orderPlacedDelivery({ paymentToken: 'tok_visa_charge_fails_1' });

    await expect(harness.deliverOrderPlaced(order)).rejects.toThrow(GatewayUnavailableError);
    await harness.deliverOrderPlaced(order);
    await harness.deliverOrderCancelled(orderCancelledDelivery(order.detail.orderId));

    expect(harness.logger.lines.length).toBeGreaterThan(0);
    expect(harness.logger.lines.filter((line) => line.includes('tok_'))).toEqual([]);
  });
});
