import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../../shared/metrics.js';
import { startPaymentHarness } from '../support/payment.js';
import { orderCancelledDelivery, orderPlacedDelivery } from '../support/payment-fixtures.js';

describe("the payment service's business metrics", () => {
  let harness: Awaited<ReturnType<typeof startPaymentHarness>>;

  beforeAll(async () => {
    harness = await startPaymentHarness();
  });
  afterAll(() => harness.close());

  it('counts a charge and a refund with their amounts once each, whatever the deliveries', async () => {
    const placed = orderPlacedDelivery();
    const cancelled = orderCancelledDelivery(placed.detail.orderId);

    await harness.deliverOrderPlaced(placed);
    await harness.deliverOrderPlaced(placed);
    await harness.deliverOrderCancelled(cancelled);
    await harness.deliverOrderCancelled(cancelled);

    const { amountCents, currency } = placed.detail;
    expect(harness.metrics.points).toEqual([
      { name: Metrics.paymentsCharged.name, value: 1, dimensions: {}, flushed: true },
      { name: Metrics.chargedAmount.name, value: amountCents, dimensions: { currency }, flushed: true },
      { name: Metrics.paymentsRefunded.name, value: 1, dimensions: {}, flushed: true },
      { name: Metrics.refundedAmount.name, value: amountCents, dimensions: { currency }, flushed: true },
    ]);
  });
});
