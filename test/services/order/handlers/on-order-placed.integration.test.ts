import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../../../services/order/handlers/on-order-placed.js';
import { OrderCancelled, OrderPlaced } from '../../../../shared/events/index.js';
import { InvalidEventError } from '../../../../shared/lambda.js';
import { acceptedAt, eventOf, lambdaContext, newOrderId, UNSERVED_COUNTRY } from '../../support/events.js';
import { type OrderTestbed, orderTestbed } from '../../support/order.js';

describe('on OrderPlaced', () => {
  let testbed: OrderTestbed;
  let handle: ReturnType<typeof makeHandler>;

  beforeAll(async () => {
    testbed = await orderTestbed();
    handle = makeHandler(testbed.deps);
  });
  afterAll(() => testbed.close());

  it('records a placed order as PENDING, open until its deadline, and publishes nothing', async () => {
    const orderId = newOrderId();

    await handle(acceptedAt(eventOf(OrderPlaced, orderId), testbed.clock.now()), lambdaContext());

    const stored = await testbed.repository.load(orderId);
    expect(stored?.order).toMatchObject({
      status: 'PENDING',
      receivedAt: '2025-01-01T00:00:00.000Z',
      deadlineAt: '2025-01-01T00:15:00.000Z',
    });
    expect(testbed.bus.events.filter((event) => event.detail.orderId === orderId)).toEqual([]);
  });

  it("counts the deadline from when the bus accepted the order, on the bus's clock, not from its receipt", async () => {
    const orderId = newOrderId();
    const accepted = new Date('2025-01-01T02:00:00.000Z');

    await handle(acceptedAt(eventOf(OrderPlaced, orderId), accepted), lambdaContext());

    expect((await testbed.repository.load(orderId))?.order).toMatchObject({
      receivedAt: '2025-01-01T00:00:00.000Z',
      deadlineAt: '2025-01-01T02:15:00.000Z',
    });
  });

  it('cancels an order to a country it does not ship to with ORDER_REJECTED', async () => {
    const orderId = newOrderId();

    await handle(eventOf(OrderPlaced, orderId, { shipTo: { country: UNSERVED_COUNTRY } }), lambdaContext());

    expect((await testbed.repository.load(orderId))?.order).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'ORDER_REJECTED',
      cancelCause: 'SHIP_TO_COUNTRY_NOT_SERVED',
    });
    expect(testbed.publishedFor(OrderCancelled.detailType, orderId)).toEqual([
      {
        orderId,
        occurredAt: '2025-01-01T00:00:00.000Z',
        reason: 'ORDER_REJECTED',
        cause: 'SHIP_TO_COUNTRY_NOT_SERVED',
      },
    ]);
  });

  it('publishes the rejection once when the same order is delivered twice', async () => {
    const orderId = newOrderId();
    const event = eventOf(OrderPlaced, orderId, { shipTo: { country: UNSERVED_COUNTRY } });

    await handle(event, lambdaContext());
    await handle({ ...event, id: 'another-delivery-id' }, lambdaContext());

    expect(testbed.publishedFor(OrderCancelled.detailType, orderId)).toHaveLength(1);
  });

  it('refuses an invalid event: no table changes, one error logged, InvalidEventError thrown', async () => {
    const orderId = newOrderId();
    const event = eventOf(OrderPlaced, orderId, { amountCents: -1 });
    const error = vi.spyOn(testbed.logger, 'error');
    const ordersBefore = await testbed.scan(testbed.tables.orders);
    const idempotencyBefore = await testbed.scan(testbed.tables.idempotency);

    const result = handle(event, lambdaContext());

    await expect(result).rejects.toThrow(InvalidEventError);
    expect(error).toHaveBeenCalledTimes(1);
    expect(await testbed.scan(testbed.tables.orders)).toEqual(ordersBefore);
    expect(await testbed.scan(testbed.tables.idempotency)).toEqual(idempotencyBefore);
    expect(testbed.bus.events.filter((e) => e.detail.orderId === orderId)).toEqual([]);
    error.mockRestore();
  });
});
