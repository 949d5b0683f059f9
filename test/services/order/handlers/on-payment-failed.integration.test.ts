import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler as makeOrderPlacedHandler } from '../../../../services/order/handlers/on-order-placed.js';
import { makeHandler } from '../../../../services/order/handlers/on-payment-failed.js';
import { OrderCancelled, OrderPlaced, PaymentFailed } from '../../../../shared/events/index.js';
import { eventOf, lambdaContext, newOrderId, UNSERVED_COUNTRY } from '../../support/events.js';
import { type OrderTestbed, orderTestbed } from '../../support/order.js';

describe('on PaymentFailed', () => {
  let testbed: OrderTestbed;
  let handle: ReturnType<typeof makeHandler>;
  let placeOrder: ReturnType<typeof makeOrderPlacedHandler>;

  beforeAll(async () => {
    testbed = await orderTestbed();
    handle = makeHandler(testbed.deps);
    placeOrder = makeOrderPlacedHandler(testbed.deps);
  });
  afterAll(() => testbed.close());

  it('cancels a placed order with PAYMENT_FAILED and publishes OrderCancelled with the payment reason', async () => {
    const orderId = newOrderId();
    await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());

    await handle(eventOf(PaymentFailed, orderId, { reason: 'INSUFFICIENT_FUNDS' }), lambdaContext());

    expect((await testbed.repository.load(orderId))?.order).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'PAYMENT_FAILED',
      cancelCause: 'INSUFFICIENT_FUNDS',
    });
    expect(testbed.publishedFor(OrderCancelled.detailType, orderId)).toEqual([
      {
        orderId,
        occurredAt: '2025-01-01T00:00:00.000Z',
        reason: 'PAYMENT_FAILED',
        cause: 'INSUFFICIENT_FUNDS',
      },
    ]);
  });

  it('waits for the order before deciding, when the payment failure arrives first', async () => {
    const orderId = newOrderId();

    await handle(eventOf(PaymentFailed, orderId), lambdaContext());
    const stub = await testbed.repository.load(orderId);
    await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());

    expect(stub?.order.status).toBe('PENDING');
    expect(testbed.publishedFor(OrderCancelled.detailType, orderId)).toEqual([
      expect.objectContaining({ reason: 'PAYMENT_FAILED', cause: 'CARD_DECLINED' }),
    ]);
  });

  it('keeps the rejection of an order whose payment also failed', async () => {
    const orderId = newOrderId();
    await placeOrder(
      eventOf(OrderPlaced, orderId, { shipTo: { country: UNSERVED_COUNTRY } }),
      lambdaContext(),
    );

    await handle(eventOf(PaymentFailed, orderId), lambdaContext());

    expect((await testbed.repository.load(orderId))?.order.cancelReason).toBe('ORDER_REJECTED');
    expect(testbed.publishedFor(OrderCancelled.detailType, orderId)).toEqual([
      expect.objectContaining({ reason: 'ORDER_REJECTED' }),
    ]);
  });
});
