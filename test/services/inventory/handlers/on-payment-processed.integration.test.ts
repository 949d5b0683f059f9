import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { readStock, seedStock } from '../../../../services/inventory/adapters/inventory-repository.js';
import { makeHandler as makeOnOrderCancelled } from '../../../../services/inventory/handlers/on-order-cancelled.js';
import { makeHandler } from '../../../../services/inventory/handlers/on-payment-processed.js';
import {
  InventoryReleased,
  InventoryReservationFailed,
  InventoryReserved,
  PaymentProcessed,
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

describe('on PaymentProcessed', () => {
  it('reserves every line and publishes InventoryReserved', async () => {
    const [mug, tee] = [uniqueId('mug'), uniqueId('tee')];
    await seed({ [mug]: 5, [tee]: 1 });
    const event = paymentProcessedFor(uniqueId('order'), [line(mug, 2), line(tee, 1)]);

    await makeHandler(world.deps)(event, lambdaContext());

    expect(await stockOf(mug, tee)).toEqual({ [mug]: 3, [tee]: 0 });
    expect(world.bus.published(InventoryReserved.detailType)).toEqual([
      {
        orderId: event.detail.orderId,
        occurredAt: expect.any(String),
        items: [
          { sku: mug, quantity: 2 },
          { sku: tee, quantity: 1 },
        ],
      },
    ]);
    expect(world.bus.events.map((e) => e.source)).toEqual([InventoryReserved.source]);
  });

  it('reserves nothing and publishes InventoryReservationFailed naming the SKUs out of stock', async () => {
    const [mug, tee, cap] = [uniqueId('mug'), uniqueId('tee'), uniqueId('cap')];
    await seed({ [mug]: 5, [tee]: 1, [cap]: 0 });
    const event = paymentProcessedFor(uniqueId('order'), [line(mug, 2), line(tee, 2), line(cap, 1)]);

    await makeHandler(world.deps)(event, lambdaContext());

    expect(await stockOf(mug, tee, cap)).toEqual({ [mug]: 5, [tee]: 1, [cap]: 0 });
    expect(world.bus.published(InventoryReservationFailed.detailType)).toEqual([
      {
        orderId: event.detail.orderId,
        occurredAt: expect.any(String),
        reason: 'OUT_OF_STOCK',
        skus: [tee, cap],
      },
    ]);
    expect(world.bus.published(InventoryReserved.detailType)).toEqual([]);
  });

  it('reports an unknown SKU before any SKU out of stock', async () => {
    const [tee, ghost] = [uniqueId('tee'), uniqueId('ghost')];
    await seed({ [tee]: 0 });
    const event = paymentProcessedFor(uniqueId('order'), [line(tee, 1), line(ghost, 1)]);

    await makeHandler(world.deps)(event, lambdaContext());

    expect(await stockOf(tee, ghost)).toEqual({ [tee]: 0 });
    expect(world.bus.published(InventoryReservationFailed.detailType)).toEqual([
      { orderId: event.detail.orderId, occurredAt: expect.any(String), reason: 'UNKNOWN_SKU', skus: [ghost] },
    ]);
  });

  it('reserves nothing, and publishes nothing, for an order whose cancellation arrived first', async () => {
    const mug = uniqueId('mug');
    await seed({ [mug]: 5 });
    const orderId = uniqueId('order');
    await makeOnOrderCancelled(world.deps)(orderCancelledFor(orderId), lambdaContext());
    world.bus.events.length = 0;

    await makeHandler(world.deps)(paymentProcessedFor(orderId, [line(mug, 2)]), lambdaContext());

    expect(await stockOf(mug)).toEqual({ [mug]: 5 });
    expect(await world.deps.repository.load(orderId)).toMatchObject({ status: 'CANCELLED' });
    expect(world.bus.events).toEqual([]);
  });

  it('reserves once when the same payment is delivered twice', async () => {
    const mug = uniqueId('mug');
    await seed({ [mug]: 5 });
    const event = paymentProcessedFor(uniqueId('order'), [line(mug, 2)]);
    const handler = makeHandler(world.deps);

    await handler(event, lambdaContext());
    await handler(structuredClone(event), lambdaContext());

    expect(await stockOf(mug)).toEqual({ [mug]: 3 });
    expect(world.bus.published(InventoryReserved.detailType)).toHaveLength(1);
  });

  it('fails when publishing fails after the commit, and the retry publishes from the stored reservation', async () => {
    const mug = uniqueId('mug');
    await seed({ [mug]: 5 });
    const event = paymentProcessedFor(uniqueId('order'), [line(mug, 2)]);
    failFirstPutEvents(world.bus.client);
    const handler = makeHandler(world.deps);

    await expect(handler(event, lambdaContext())).rejects.toThrow('EventBridge is unavailable (injected)');
    expect(await stockOf(mug)).toEqual({ [mug]: 3 });
    expect(world.bus.events).toEqual([]);

    await handler(structuredClone(event), lambdaContext());

    expect(await stockOf(mug)).toEqual({ [mug]: 3 });
    const reservation = await world.deps.repository.load(event.detail.orderId);
    expect(world.bus.published(InventoryReserved.detailType)).toEqual([
      {
        orderId: event.detail.orderId,
        occurredAt: (reservation as { reservedAt?: string }).reservedAt,
        items: [{ sku: mug, quantity: 2 }],
      },
    ]);
  });

  it('refuses an invalid event: no table changes, one error logged, InvalidEventError thrown', async () => {
    const mug = uniqueId('mug');
    await seed({ [mug]: 5 });
    const event = paymentProcessedFor(uniqueId('order'), [line(mug, 2)]);
    event.detail.items[0] = { ...line(mug, 2), quantity: 0 };
    const errors = vi.spyOn(world.logger, 'error');
    const before = await snapshot(world);

    const outcome = makeHandler(world.deps)(event, lambdaContext());

    await expect(outcome).rejects.toBeInstanceOf(InvalidEventError);
    await expect(outcome).rejects.toMatchObject({ detailType: PaymentProcessed.detailType });
    expect(errors).toHaveBeenCalledTimes(1);
    expect(await snapshot(world)).toEqual(before);
    expect(world.bus.events).toEqual([]);
  });

  it('refuses an event from a source other than payments', async () => {
    const event = { ...paymentProcessedFor(uniqueId('order')), source: InventoryReleased.source };
    const before = await snapshot(world);

    await expect(makeHandler(world.deps)(event, lambdaContext())).rejects.toBeInstanceOf(InvalidEventError);
    expect(await snapshot(world)).toEqual(before);
  });
});
