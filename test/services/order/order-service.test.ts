import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderFact } from '../../../services/order/domain/order.js';
import { applyFact } from '../../../services/order/order-service.js';
import { InventoryReserved, OrderConfirmed, OrderPlaced } from '../../../shared/events/index.js';
import { detailOf, newOrderId } from './fixtures.js';
import { type OrderTestbed, orderTestbed } from './testbed.js';

const placed = (orderId: string): OrderFact => ({
  type: OrderPlaced.detailType,
  detail: detailOf(OrderPlaced, orderId),
});
const reserved = (orderId: string): OrderFact => ({
  type: InventoryReserved.detailType,
  detail: detailOf(InventoryReserved, orderId),
});

// Beneath Powertools idempotency: the conditional writes alone keep concurrent deliveries from doubling an event.
describe('applying facts concurrently, without the idempotency layer', () => {
  let testbed: OrderTestbed;

  beforeAll(async () => {
    testbed = await orderTestbed();
  });
  afterAll(() => testbed.close());

  it('publishes one OrderConfirmed for two concurrent deliveries of the same reservation', async () => {
    const orderId = newOrderId();
    await applyFact(testbed.deps, placed(orderId));

    const outcomes = await Promise.all([
      applyFact(testbed.deps, reserved(orderId)),
      applyFact(testbed.deps, reserved(orderId)),
    ]);

    expect(outcomes.filter((outcome) => outcome.closed)).toHaveLength(1);
    expect(testbed.publishedFor(OrderConfirmed.detailType, orderId)).toHaveLength(1);
  });

  it('loses no fact when the order and its reservation arrive at the same time', async () => {
    const orderId = newOrderId();

    await Promise.all([applyFact(testbed.deps, placed(orderId)), applyFact(testbed.deps, reserved(orderId))]);

    expect((await testbed.repository.load(orderId))?.order.status).toBe('CONFIRMED');
    expect(testbed.publishedFor(OrderConfirmed.detailType, orderId)).toHaveLength(1);
  });

  it('publishes nothing again for a fact redelivered after its event was published', async () => {
    const orderId = newOrderId();
    await applyFact(testbed.deps, placed(orderId));
    await applyFact(testbed.deps, reserved(orderId));

    const replay = await applyFact(testbed.deps, reserved(orderId));

    expect(replay.closed).toBe(false);
    expect(testbed.publishedFor(OrderConfirmed.detailType, orderId)).toHaveLength(1);
  });
});
