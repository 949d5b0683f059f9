import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createInventoryRepository,
  readStock,
  seedStock,
} from '../../../services/inventory/adapters/inventory-repository.js';
import { heldStock } from '../../../services/inventory/domain/inventory.js';
import type { InventoryRepository } from '../../../services/inventory/domain/ports.js';
import {
  releaseStock,
  reserveStock,
  type ServiceDeps,
} from '../../../services/inventory/inventory-service.js';
import {
  InventoryReleased,
  InventoryReservationFailed,
  InventoryReserved,
  type OrderLine,
} from '../../../shared/events/index.js';
import { STALE, WriteConflictError } from '../../../shared/optimistic-commit.js';
import { createTables, localDynamo } from '../../support/aws.js';
import { line, recordingPublisher, silentLogger, uniqueId } from '../support/inventory.js';
import { recordingMetrics } from '../support/metrics.js';

const { client, documentClient } = localDynamo();
let table: string;
let inventory: InventoryRepository;
const logger = silentLogger();

beforeAll(async () => {
  ({ inventory: table } = await createTables(client, ['inventory']));
  inventory = createInventoryRepository({ documentClient, tableName: table });
});

const depsWith = (overrides: Partial<ServiceDeps> = {}) => {
  const publisher = recordingPublisher();
  const deps: ServiceDeps = {
    repository: inventory,
    publisher,
    logger,
    metrics: recordingMetrics().metrics,
    now: () => new Date(),
    ...overrides,
  };
  return { deps, published: publisher.published };
};

const detailTypes = (published: ReturnType<typeof recordingPublisher>['published']) =>
  published.map((event) => event.definition.detailType);

describe('reserving and releasing stock for an order', () => {
  it('announces the reservation again, unchanged, when the same payment is delivered twice', async () => {
    const mug = uniqueId('mug');
    await seedStock(documentClient, table, { [mug]: 3 });
    const fact = { orderId: uniqueId('order'), items: [line(mug, 2)] };
    const { deps, published } = depsWith();

    await Promise.all([reserveStock(deps, fact), reserveStock(deps, fact)]);

    expect(detailTypes(published)).toEqual([InventoryReserved.detailType, InventoryReserved.detailType]);
    expect(published[0]?.detail).toEqual(published[1]?.detail);
    expect(await readStock(documentClient, table, [mug])).toEqual({ [mug]: 1 });
  });

  it('converges when the cancellation races the payment', async () => {
    const mug = uniqueId('mug');
    await seedStock(documentClient, table, { [mug]: 3 });
    const orderId = uniqueId('order');
    const { deps } = depsWith();

    await Promise.all([
      reserveStock(deps, { orderId, items: [line(mug, 2)] }),
      releaseStock(deps, { orderId }),
      reserveStock(deps, { orderId, items: [line(mug, 2)] }),
    ]);

    expect(await readStock(documentClient, table, [mug])).toEqual({ [mug]: 3 });
    expect(heldStock(await inventory.load(orderId))).toEqual([]);
  });

  it('gives up, to be retried, when the reservation keeps changing under it', async () => {
    const alwaysStale: InventoryRepository = {
      ...inventory,
      load: async () => undefined,
      reserve: async () => ({ status: STALE }),
    };
    const { deps, published } = depsWith({ repository: alwaysStale });

    await expect(reserveStock(deps, { orderId: uniqueId('order'), items: [line('x', 1)] })).rejects.toThrow(
      WriteConflictError,
    );
    expect(published).toEqual([]);
  });

  it('decides again after a transaction that only overlapped others, until it goes through', async () => {
    const mug = uniqueId('mug');
    await seedStock(documentClient, table, { [mug]: 3 });
    let overlaps = 2;
    const contended: InventoryRepository = {
      ...inventory,
      reserve: async (reservation) => (overlaps-- > 0 ? { status: STALE } : inventory.reserve(reservation)),
    };
    const { deps, published } = depsWith({ repository: contended });

    await reserveStock(deps, { orderId: uniqueId('order'), items: [line(mug, 2)] });

    expect(overlaps).toBe(-1);
    expect(detailTypes(published)).toEqual([InventoryReserved.detailType]);
    expect(await readStock(documentClient, table, [mug])).toEqual({ [mug]: 1 });
  });
});

type Fact = { type: 'PaymentProcessed'; items: OrderLine[] } | { type: 'OrderCancelled' };

describe('the inventory service under at-least-once, any-order, concurrent delivery', () => {
  it('converges to the stock and holdings the set of facts determines, never below zero', async () => {
    const SKUS = ['a', 'b', 'c', 'd'];
    const stockLevels = fc.dictionary(fc.constantFrom(...SKUS), fc.integer({ min: 0, max: 4 }), {
      maxKeys: SKUS.length,
    });
    const orderLines = fc
      .uniqueArray(fc.constantFrom(...SKUS), { minLength: 1, maxLength: 3 })
      .chain((skus) =>
        fc.tuple(...skus.map((sku) => fc.integer({ min: 1, max: 3 }).map((q) => line(sku, q)))),
      );
    const facts = orderLines.chain((items) =>
      fc.constantFrom<Fact[]>(
        [{ type: 'PaymentProcessed', items }],
        [{ type: 'OrderCancelled' }],
        [{ type: 'PaymentProcessed', items }, { type: 'OrderCancelled' }],
      ),
    );
    // Deliveries come in waves: the deliveries of a wave race each other, waves follow one another.
    const waves = facts.chain((set) =>
      fc
        .tuple(...set.map((fact) => fc.integer({ min: 1, max: 3 }).map((n) => Array<Fact>(n).fill(fact))))
        .chain((copies) => {
          const all = copies.flat();
          return fc.tuple(
            fc.constant(set),
            fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
            fc.array(fc.integer({ min: 1, max: 3 }), { minLength: all.length, maxLength: all.length }),
          );
        }),
    );

    await fc.assert(
      fc.asyncProperty(stockLevels, waves, async (levels, [set, deliveries, waveSizes]) => {
        const run = uniqueId('run');
        const skuOf = (sku: string) => `${run}-${sku}`;
        const stock = Object.fromEntries(Object.entries(levels).map(([sku, n]) => [skuOf(sku), n]));
        await seedStock(documentClient, table, stock);
        const orderId = `order-${run}`;
        const { deps, published } = depsWith();
        const deliver = (fact: Fact) =>
          fact.type === 'PaymentProcessed'
            ? reserveStock(deps, { orderId, items: fact.items.map((l) => ({ ...l, sku: skuOf(l.sku) })) })
            : releaseStock(deps, { orderId });

        for (let start = 0, wave = 0; start < deliveries.length; wave++) {
          const size = waveSizes[wave] ?? 1;
          await Promise.all(deliveries.slice(start, start + size).map(deliver));
          start += size;
        }

        const payment = set.find((fact) => fact.type === 'PaymentProcessed');
        const cancelled = set.some((fact) => fact.type === 'OrderCancelled');
        const wanted = (payment?.items ?? []).map((l) => ({ sku: skuOf(l.sku), quantity: l.quantity }));
        const servable = wanted.every(({ sku, quantity }) => (stock[sku] ?? -1) >= quantity);
        const holds = payment !== undefined && servable && !cancelled;
        const expectedStock = { ...stock };
        if (holds) for (const { sku, quantity } of wanted) expectedStock[sku] = (stock[sku] ?? 0) - quantity;

        const finalStock = await readStock(documentClient, table, Object.keys(stock));
        const reservation = await inventory.load(orderId);
        expect(finalStock).toEqual(expectedStock);
        expect(heldStock(reservation)).toEqual(holds ? wanted : []);
        if (!cancelled) expect(reservation?.status).toBe(servable ? 'RESERVED' : 'FAILED');
        if (payment === undefined) expect(reservation?.status).toBe('CANCELLED');

        const types = new Set(detailTypes(published));
        expect(
          types.has(InventoryReserved.detailType) && types.has(InventoryReservationFailed.detailType),
        ).toBe(false);
        if (types.has(InventoryReleased.detailType)) expect(reservation?.status).toBe('RELEASED');
      }),
      { numRuns: 40 },
    );
  });
});
