import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../../services/order/handlers/on-deadline.js';
import { makeHandler as makeInventoryReservedHandler } from '../../../../services/order/handlers/on-inventory-reserved.js';
import { makeHandler as makeOrderPlacedHandler } from '../../../../services/order/handlers/on-order-placed.js';
import {
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
} from '../../../../shared/events/index.js';
import { acceptedAt, eventOf, lambdaContext, newOrderId, scheduledEvent } from '../../support/events.js';
import { type OrderTestbed, orderTestbed } from '../../support/order.js';

const DEADLINE_SECONDS = 900;

describe('the deadline sweep', () => {
  let testbed: OrderTestbed;
  let sweep: ReturnType<typeof makeHandler>;
  let placeOrder: ReturnType<typeof makeOrderPlacedHandler>;
  let reserve: ReturnType<typeof makeInventoryReservedHandler>;
  const testbeds: OrderTestbed[] = [];

  // Each test gets its own tables: the sweep looks at every open order of its table. Every event is put on
  // the bus at the test's clock, the sweep's Scheduled Event too: deadlines are on the bus's clock.
  beforeEach(async () => {
    testbed = await orderTestbed();
    testbeds.push(testbed);
    const now = () => testbed.clock.now();
    const sweepAt = makeHandler(testbed.deps, { pageSize: 2 });
    sweep = (_event, context) => sweepAt(scheduledEvent(now()), context);
    const onPlaced = makeOrderPlacedHandler(testbed.deps);
    placeOrder = (event, context) => onPlaced(acceptedAt(event as { time: string }, now()), context);
    const onReserved = makeInventoryReservedHandler(testbed.deps);
    reserve = (event, context) => onReserved(acceptedAt(event as { time: string }, now()), context);
  });
  afterAll(() => Promise.all(testbeds.map((t) => t.close())));

  it('cancels an overdue PENDING order with DEADLINE_EXCEEDED and leaves the others alone', async () => {
    const overdue = newOrderId('overdue');
    const recent = newOrderId('recent');
    const confirmed = newOrderId('confirmed');
    await placeOrder(eventOf(OrderPlaced, overdue), lambdaContext());
    await placeOrder(eventOf(OrderPlaced, confirmed), lambdaContext());
    await reserve(eventOf(InventoryReserved, confirmed), lambdaContext());
    testbed.clock.advance(600);
    await placeOrder(eventOf(OrderPlaced, recent), lambdaContext());
    testbed.clock.advance(DEADLINE_SECONDS - 600);

    const summary = await sweep(scheduledEvent(), lambdaContext('order-deadline'));

    expect(summary).toEqual({ cancelled: 1, republished: 0 });
    expect((await testbed.repository.load(overdue))?.order).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'DEADLINE_EXCEEDED',
    });
    expect(testbed.publishedFor(OrderCancelled.detailType, overdue)).toEqual([
      { orderId: overdue, occurredAt: '2025-01-01T00:15:00.000Z', reason: 'DEADLINE_EXCEEDED' },
    ]);
    expect((await testbed.repository.load(recent))?.order.status).toBe('PENDING');
    expect((await testbed.repository.load(confirmed))?.order.status).toBe('CONFIRMED');
    expect(testbed.publishedFor(OrderCancelled.detailType, recent)).toEqual([]);
    expect(testbed.publishedFor(OrderCancelled.detailType, confirmed)).toEqual([]);
  });

  it('cancels every overdue order, page after page, including stubs whose order never arrived', async () => {
    const orderIds = Array.from({ length: 5 }, () => newOrderId('overdue'));
    for (const orderId of orderIds.slice(0, 4))
      await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());
    await reserve(eventOf(InventoryReserved, orderIds[4] ?? ''), lambdaContext());
    testbed.clock.advance(DEADLINE_SECONDS + 1);

    const summary = await sweep(scheduledEvent(), lambdaContext('order-deadline'));

    expect(summary.cancelled).toBe(5);
    for (const orderId of orderIds) {
      expect(testbed.publishedFor(OrderCancelled.detailType, orderId)).toEqual([
        expect.objectContaining({ reason: 'DEADLINE_EXCEEDED' }),
      ]);
    }
    expect((await testbed.repository.findOverdue(testbed.clock.now(), 10)).orders).toEqual([]);
  });

  it("cancels by the Scheduled Event's time, the clock the deadlines are on, not the function's", async () => {
    const orderId = newOrderId();
    await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());
    const sweepAt = makeHandler(testbed.deps);
    const before = new Date(Date.parse('2025-01-01T00:15:00.000Z') - 1000);

    testbed.clock.advance(DEADLINE_SECONDS * 2);
    const early = await sweepAt(scheduledEvent(before), lambdaContext('order-deadline'));
    const due = await sweepAt(scheduledEvent(new Date('2025-01-01T00:15:00.000Z')), lambdaContext());

    expect(early).toEqual({ cancelled: 0, republished: 0 });
    expect(due).toEqual({ cancelled: 1, republished: 0 });
  });

  it('does nothing on a second run', async () => {
    const orderId = newOrderId();
    await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());
    testbed.clock.advance(DEADLINE_SECONDS);
    await sweep(scheduledEvent(), lambdaContext('order-deadline'));

    const second = await sweep(scheduledEvent(), lambdaContext('order-deadline'));

    expect(second).toEqual({ cancelled: 0, republished: 0 });
    expect(testbed.publishedFor(OrderCancelled.detailType, orderId)).toHaveLength(1);
  });

  it('throws when publishing a cancellation fails, and its retry re-publishes it from the stored state', async () => {
    const orderId = newOrderId();
    await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());
    testbed.clock.advance(DEADLINE_SECONDS);
    testbed.failNextPutEvents();

    const firstRun = sweep(scheduledEvent(), lambdaContext('order-deadline'));

    await expect(firstRun).rejects.toThrow('1 order(s) not settled');
    expect((await testbed.repository.load(orderId))?.order.status).toBe('CANCELLED');
    expect(testbed.publishedFor(OrderCancelled.detailType, orderId)).toEqual([]);

    const retry = await sweep(scheduledEvent(), lambdaContext('order-deadline'));

    expect(retry).toEqual({ cancelled: 0, republished: 1 });
    expect(testbed.publishedFor(OrderCancelled.detailType, orderId)).toEqual([
      { orderId, occurredAt: '2025-01-01T00:15:00.000Z', reason: 'DEADLINE_EXCEEDED' },
    ]);
  });

  it('re-publishes the event of an order a handler closed but could not publish', async () => {
    const orderId = newOrderId();
    await placeOrder(eventOf(OrderPlaced, orderId), lambdaContext());
    testbed.failNextPutEvents();
    await expect(reserve(eventOf(InventoryReserved, orderId), lambdaContext())).rejects.toThrow();

    const summary = await sweep(scheduledEvent(), lambdaContext('order-deadline'));

    expect(summary).toEqual({ cancelled: 0, republished: 1 });
    expect(testbed.publishedFor(OrderConfirmed.detailType, orderId)).toHaveLength(1);
  });
});
