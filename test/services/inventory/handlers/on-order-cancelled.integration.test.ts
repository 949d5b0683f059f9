import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { readStock, seedStock } from '../../../../services/inventory/adapters/inventory-repository.js';
import { makeHandler } from '../../../../services/inventory/handlers/on-order-cancelled.js';
import { makeHandler as makeOnPaymentProcessed } from '../../../../services/inventory/handlers/on-payment-processed.js';
import {
  InventoryReleased,
  InventoryReservationVoided,
  OrderCancelled,
} from '../../../../shared/events/index.js';
import { InvalidEventError } from '../../../../shared/lambda.js';
import {
  lambdaContext,
  line,
  orderCancelledFor,
  paymentProcessedFor,
  uniqueId,
} from '../../support/inventory.js';
import {
  createHandlerTables,
  failFirstPutEvents,
  snapshot,
  startHandlerWorld,
  type Tables,
} from '../../support/inventory-handlers.js';

let tables: Tables;
let world: Awaited<ReturnType<typeof startHandlerWorld>>;

beforeAll(async () => {
  tables = await createHandlerTables();
});
beforeEach(async () => {
  world = await startHandlerWorld(tables);
});
afterEach(async () => {
  await world.bus.close();
});

const seed = (stock: Record<string, number>) => seedStock(world.documentClient, tables.inventory, stock);
const stockOf = (...skus: string[]) => readStock(world.documentClient, tables.inventory, skus);

/** An order whose stock is reserved: its id and SKUs, with the reservation's event already on the bus. */
const reservedOrder = async () => {
  const [mug, tee] = [uniqueId('mug'), uniqueId('tee')];
  await seed({ [mug]: 5, [tee]: 1 });
  const orderId = uniqueId('order');
  await makeOnPaymentProcessed(world.deps)(
    paymentProcessedFor(orderId, [line(mug, 2), line(tee, 1)]),
    lambdaContext(),
  );
  world.bus.events.length = 0;
  return { orderId, mug, tee };
};

describe('on OrderCancelled', () => {
  it('releases the reservation, restoring the stock, and publishes InventoryReleased', async () => {
    const { orderId, mug, tee } = await reservedOrder();

    await makeHandler(world.deps)(orderCancelledFor(orderId), lambdaContext());

    expect(await stockOf(mug, tee)).toEqual({ [mug]: 5, [tee]: 1 });
    expect(await world.deps.repository.load(orderId)).toMatchObject({ status: 'RELEASED' });
    expect(world.bus.published(InventoryReleased.detailType)).toEqual([
      {
        orderId,
        occurredAt: expect.any(String),
        items: [
          { sku: mug, quantity: 2 },
          { sku: tee, quantity: 1 },
        ],
      },
    ]);
  });

  it('leaves a tombstone and publishes InventoryReservationVoided when nothing was reserved yet', async () => {
    const orderId = uniqueId('order');

    await makeHandler(world.deps)(orderCancelledFor(orderId), lambdaContext());

    const stored = await world.deps.repository.load(orderId);
    expect(stored).toMatchObject({ orderId, status: 'CANCELLED' });
    expect(world.bus.published(InventoryReservationVoided.detailType)).toEqual([
      { orderId, occurredAt: (stored as { cancelledAt?: string }).cancelledAt },
    ]);
  });

  it('fails when publishing fails after the tombstone, and the retry publishes the stored void', async () => {
    const orderId = uniqueId('order');
    failFirstPutEvents(world.bus.client);
    const handler = makeHandler(world.deps);

    await expect(handler(orderCancelledFor(orderId), lambdaContext())).rejects.toThrow(
      'EventBridge is unavailable (injected)',
    );
    const stored = await world.deps.repository.load(orderId);
    expect(stored).toMatchObject({ status: 'CANCELLED' });
    expect(world.bus.events).toEqual([]);

    await handler(orderCancelledFor(orderId), lambdaContext());

    expect(world.bus.published(InventoryReservationVoided.detailType)).toEqual([
      { orderId, occurredAt: (stored as { cancelledAt?: string }).cancelledAt },
    ]);
  });

  it('releases nothing for a reservation that was refused, and publishes InventoryReservationVoided', async () => {
    const tee = uniqueId('tee');
    await seed({ [tee]: 1 });
    const orderId = uniqueId('order');
    await makeOnPaymentProcessed(world.deps)(paymentProcessedFor(orderId, [line(tee, 3)]), lambdaContext());
    world.bus.events.length = 0;

    await makeHandler(world.deps)(orderCancelledFor(orderId), lambdaContext());

    expect(await stockOf(tee)).toEqual({ [tee]: 1 });
    const stored = await world.deps.repository.load(orderId);
    expect(stored).toMatchObject({ status: 'FAILED' });
    expect(world.bus.published(InventoryReservationVoided.detailType)).toEqual([
      { orderId, occurredAt: (stored as { failedAt?: string }).failedAt },
    ]);
  });

  it('releases once when the same cancellation is delivered twice', async () => {
    const { orderId, mug } = await reservedOrder();
    const handler = makeHandler(world.deps);

    await handler(orderCancelledFor(orderId), lambdaContext());
    await handler(orderCancelledFor(orderId), lambdaContext());

    expect(await stockOf(mug)).toEqual({ [mug]: 5 });
    expect(world.bus.published(InventoryReleased.detailType)).toHaveLength(1);
  });

  it('fails when publishing fails after the release, and the retry publishes from the stored state', async () => {
    const { orderId, mug, tee } = await reservedOrder();
    failFirstPutEvents(world.bus.client);
    const handler = makeHandler(world.deps);

    await expect(handler(orderCancelledFor(orderId), lambdaContext())).rejects.toThrow(
      'EventBridge is unavailable (injected)',
    );
    expect(await stockOf(mug, tee)).toEqual({ [mug]: 5, [tee]: 1 });
    expect(world.bus.events).toEqual([]);

    await handler(orderCancelledFor(orderId), lambdaContext());

    expect(await stockOf(mug, tee)).toEqual({ [mug]: 5, [tee]: 1 });
    const reservation = await world.deps.repository.load(orderId);
    expect(world.bus.published(InventoryReleased.detailType)).toEqual([
      {
        orderId,
        occurredAt: (reservation as { releasedAt?: string }).releasedAt,
        items: [
          { sku: mug, quantity: 2 },
          { sku: tee, quantity: 1 },
        ],
      },
    ]);
  });

  it('refuses an invalid event: no table changes, one error logged, InvalidEventError thrown', async () => {
    const { orderId } = await reservedOrder();
    const event = orderCancelledFor(orderId);
    // Consumers read reasons they do not know (an open list), but not a reason that is not a reason code.
    (event.detail as { reason: unknown }).reason = 'changed my mind!';
    const errors = vi.spyOn(world.logger, 'error');
    const before = await snapshot(world);

    const outcome = makeHandler(world.deps)(event, lambdaContext());

    await expect(outcome).rejects.toBeInstanceOf(InvalidEventError);
    await expect(outcome).rejects.toMatchObject({ detailType: OrderCancelled.detailType });
    expect(errors).toHaveBeenCalledTimes(1);
    expect(await snapshot(world)).toEqual(before);
    expect(world.bus.events).toEqual([]);
  });
});
