import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../../services/order/handlers/on-inventory-reservation-failed.js';
import { makeHandler as makeOrderPlacedHandler } from '../../../../services/order/handlers/on-order-placed.js';
import { InventoryReservationFailed, OrderCancelled, OrderPlaced } from '../../../../shared/events/index.js';
import { eventOf, lambdaContext, newOrderId } from '../../support/events.js';
import { type OrderTestbed, orderTestbed } from '../../support/order.js';

describe('on InventoryReservationFailed', () => {
  let testbed: OrderTestbed;
  let handle: ReturnType<typeof makeHandler>;
  let placeOrder: ReturnType<typeof makeOrderPlacedHandler>;

  beforeAll(async () => {
    testbed = await orderTestbed();
    handle = makeHandler(testbed.deps);
    placeOrder = makeOrderPlacedHandler(testbed.deps);
  });
  afterAll(() => testbed.close());

  it('cancels a placed order with OUT_OF_STOCK and the reservation failure as cause', async () => {
    const orderId = newOrderId();
    await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());

    await handle(eventOf(InventoryReservationFailed, orderId, { reason: 'OUT_OF_STOCK' }), lambdaContext());

    expect((await testbed.repository.load(orderId))?.order).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'OUT_OF_STOCK',
      cancelCause: 'OUT_OF_STOCK',
      reservation: { status: 'FAILED', skus: ['TEA-EARL-GREY'] },
    });
    expect(testbed.publishedFor(OrderCancelled.detailType, orderId)).toEqual([
      { orderId, occurredAt: '2025-01-01T00:00:00.000Z', reason: 'OUT_OF_STOCK', cause: 'OUT_OF_STOCK' },
    ]);
  });

  it('converges to CANCELLED when the failure arrives before the order', async () => {
    const orderId = newOrderId();

    await handle(eventOf(InventoryReservationFailed, orderId), lambdaContext());
    await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());

    expect(testbed.publishedFor(OrderCancelled.detailType, orderId)).toEqual([
      expect.objectContaining({ reason: 'OUT_OF_STOCK', cause: 'UNKNOWN_SKU' }),
    ]);
  });
});
