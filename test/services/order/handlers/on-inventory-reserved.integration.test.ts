import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../../services/order/handlers/on-inventory-reserved.js';
import { makeHandler as makeOrderPlacedHandler } from '../../../../services/order/handlers/on-order-placed.js';
import { InventoryReserved, OrderConfirmed, OrderPlaced } from '../../../../shared/events/index.js';
import { eventOf, lambdaContext, newOrderId } from '../../support/events.js';
import { type OrderTestbed, orderTestbed } from '../../support/order.js';

describe('on InventoryReserved', () => {
  let testbed: OrderTestbed;
  let handle: ReturnType<typeof makeHandler>;
  let placeOrder: ReturnType<typeof makeOrderPlacedHandler>;

  beforeAll(async () => {
    testbed = await orderTestbed();
    handle = makeHandler(testbed.deps);
    placeOrder = makeOrderPlacedHandler(testbed.deps);
  });
  afterAll(() => testbed.close());

  it('confirms a placed order and publishes OrderConfirmed with its amount and currency', async () => {
    const orderId = newOrderId();
    await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());
    testbed.clock.advance(2);

    await handle(eventOf(InventoryReserved, orderId), lambdaContext());

    const stored = await testbed.repository.load(orderId);
    expect(stored?.order).toMatchObject({ status: 'CONFIRMED', closedAt: '2025-01-01T00:00:02.000Z' });
    expect(stored?.awaitingPublish).toBe(false);
    expect(testbed.publishedFor(OrderConfirmed.detailType, orderId)).toEqual([
      { orderId, occurredAt: '2025-01-01T00:00:02.000Z', amountCents: 3399, currency: 'EUR' },
    ]);
  });

  it('converges to CONFIRMED when the reservation arrives before the order', async () => {
    const orderId = newOrderId();

    await handle(eventOf(InventoryReserved, orderId), lambdaContext());
    const stub = await testbed.repository.load(orderId);
    await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());

    expect(stub?.order).toMatchObject({ status: 'PENDING', reservation: { status: 'RESERVED' } });
    expect((await testbed.repository.load(orderId))?.order.status).toBe('CONFIRMED');
    expect(testbed.publishedFor(OrderConfirmed.detailType, orderId)).toHaveLength(1);
  });

  it('publishes one OrderConfirmed for two concurrent deliveries of the same event', async () => {
    const orderId = newOrderId();
    await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());
    const event = eventOf(InventoryReserved, orderId);

    // The loser either finds the winner's result or is told the event is in progress (and retried later).
    await Promise.allSettled([handle(event, lambdaContext()), handle(event, lambdaContext())]);
    await handle(event, lambdaContext());

    expect((await testbed.repository.load(orderId))?.order.status).toBe('CONFIRMED');
    expect(testbed.publishedFor(OrderConfirmed.detailType, orderId)).toHaveLength(1);
  });

  it('fails when publishing fails after the commit, and its retry publishes from the stored state', async () => {
    const orderId = newOrderId();
    await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());
    const event = eventOf(InventoryReserved, orderId);
    testbed.failNextPutEvents();

    const firstAttempt = handle(event, lambdaContext());

    await expect(firstAttempt).rejects.toThrow('EventBridge unreachable (injected)');
    const committed = await testbed.repository.load(orderId);
    expect(committed).toMatchObject({ order: { status: 'CONFIRMED' }, awaitingPublish: true });
    expect(testbed.publishedFor(OrderConfirmed.detailType, orderId)).toEqual([]);

    testbed.clock.advance(30);
    await handle(event, lambdaContext());

    expect(testbed.publishedFor(OrderConfirmed.detailType, orderId)).toEqual([
      { orderId, occurredAt: committed?.order.closedAt, amountCents: 3399, currency: 'EUR' },
    ]);
    expect((await testbed.repository.load(orderId))?.awaitingPublish).toBe(false);
  });
});
