import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as onInventoryReserved } from '../../../services/order/handlers/on-inventory-reserved.js';
import { makeHandler as onOrderPlaced } from '../../../services/order/handlers/on-order-placed.js';
import { makeHandler as onPaymentFailed } from '../../../services/order/handlers/on-payment-failed.js';
import { InventoryReserved, OrderPlaced, PaymentFailed } from '../../../shared/events/index.js';
import { Metrics } from '../../../shared/metrics.js';
import { eventOf, lambdaContext, newOrderId, UNSERVED_COUNTRY } from '../support/events.js';
import { type OrderTestbed, orderTestbed } from '../support/order.js';

describe("the order service's business metrics", () => {
  let testbed: OrderTestbed;
  const placedTwoSecondsAgo = () => ({
    occurredAt: new Date(testbed.clock.now().getTime() - 2000).toISOString(),
  });

  beforeAll(async () => {
    testbed = await orderTestbed();
  });
  beforeEach(() => testbed.metrics.clear());
  afterAll(() => testbed.close());

  it('counts an order placed once, however often OrderPlaced is delivered', async () => {
    const handle = onOrderPlaced(testbed.deps);
    const event = eventOf(OrderPlaced, newOrderId());

    await handle(event, lambdaContext());
    await handle(event, lambdaContext());
    await handle({ ...event, id: 'a-redelivery-under-a-new-id' }, lambdaContext());

    expect(testbed.metrics.points).toEqual([
      { name: Metrics.ordersPlaced.name, value: 1, dimensions: {}, flushed: true },
    ]);
  });

  it('counts a rejected order as cancelled with ORDER_REJECTED, not as placed', async () => {
    const event = eventOf(OrderPlaced, newOrderId(), { shipTo: { country: UNSERVED_COUNTRY } });

    await onOrderPlaced(testbed.deps)(event, lambdaContext());

    expect(testbed.metrics.of(Metrics.ordersPlaced)).toEqual([]);
    expect(testbed.metrics.of(Metrics.ordersCancelled)).toMatchObject([
      { value: 1, dimensions: { reason: 'ORDER_REJECTED' } },
    ]);
  });

  it('counts a confirmation and its saga duration once when InventoryReserved is delivered twice', async () => {
    const orderId = newOrderId();
    await onOrderPlaced(testbed.deps)(eventOf(OrderPlaced, orderId, placedTwoSecondsAgo()), lambdaContext());
    testbed.metrics.clear();
    const reserved = eventOf(InventoryReserved, orderId);

    await onInventoryReserved(testbed.deps)(reserved, lambdaContext());
    await onInventoryReserved(testbed.deps)({ ...reserved, id: 'another-delivery' }, lambdaContext());

    expect(testbed.metrics.points).toEqual([
      { name: Metrics.ordersConfirmed.name, value: 1, dimensions: {}, flushed: true },
      { name: Metrics.sagaDuration.name, value: 2000, dimensions: { outcome: 'CONFIRMED' }, flushed: true },
    ]);
  });

  it('counts a cancellation by its reason once when PaymentFailed is delivered twice', async () => {
    const orderId = newOrderId();
    await onOrderPlaced(testbed.deps)(eventOf(OrderPlaced, orderId, placedTwoSecondsAgo()), lambdaContext());
    testbed.metrics.clear();
    const failed = eventOf(PaymentFailed, orderId);

    await onPaymentFailed(testbed.deps)(failed, lambdaContext());
    await onPaymentFailed(testbed.deps)(failed, lambdaContext());

    expect(testbed.metrics.points).toMatchObject([
      { name: Metrics.ordersCancelled.name, value: 1, dimensions: { reason: 'PAYMENT_FAILED' } },
      { name: Metrics.sagaDuration.name, value: 2000, dimensions: { outcome: 'CANCELLED' } },
    ]);
  });
});
