import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createInventoryRepository,
  readStock,
  reservationKey,
  seedStock,
} from '../../../../services/inventory/adapters/inventory-repository.js';
import type {
  CancelledReservation,
  FailedReservation,
  ReservedReservation,
} from '../../../../services/inventory/domain/inventory.js';
import type { InventoryRepository } from '../../../../services/inventory/domain/ports.js';
import { Limits, type StockLine } from '../../../../shared/events/index.js';
import { STALE } from '../../../../shared/optimistic-commit.js';
import { createTables, localDynamo } from '../../../support/aws.js';
import { uniqueId } from '../../support/inventory.js';

const AT = '2025-01-02T03:04:05.000Z';
const { client, documentClient } = localDynamo();
let table: string;
let inventory: InventoryRepository;

beforeAll(async () => {
  ({ inventory: table } = await createTables(client, ['inventory']));
  inventory = createInventoryRepository({ documentClient, tableName: table });
});

/** Fresh SKU names, so no two tests share stock. */
const skus = (...names: string[]) => names.map((name) => uniqueId(name));

const reservationOf = (items: StockLine[], orderId = uniqueId('order')): ReservedReservation => ({
  orderId,
  status: 'RESERVED',
  items,
  reservedAt: AT,
});

const storedReservation = async (orderId: string) =>
  (await documentClient.send(new GetCommand({ TableName: table, Key: reservationKey(orderId) }))).Item;

describe('reserving stock', () => {
  it('takes every line from stock and records the reservation in one transaction', async () => {
    const [mug, tee] = skus('mug', 'tee') as [string, string];
    await seedStock(documentClient, table, { [mug]: 5, [tee]: 1 });
    const reservation = reservationOf([
      { sku: mug, quantity: 2 },
      { sku: tee, quantity: 1 },
    ]);

    const result = await inventory.reserve(reservation);

    expect(result).toEqual({ status: 'reserved' });
    expect(await readStock(documentClient, table, [mug, tee])).toEqual({ [mug]: 3, [tee]: 0 });
    expect(await inventory.load(reservation.orderId)).toEqual(reservation);
  });

  it('reserves nothing when the last line of a multi-line order is out of stock', async () => {
    const [a, b, c] = skus('a', 'b', 'c') as [string, string, string];
    await seedStock(documentClient, table, { [a]: 5, [b]: 5, [c]: 1 });
    const reservation = reservationOf([
      { sku: a, quantity: 1 },
      { sku: b, quantity: 2 },
      { sku: c, quantity: 2 },
    ]);

    const result = await inventory.reserve(reservation);

    expect(result).toEqual({ status: 'refused', shortfall: [{ sku: c, requested: 2, available: 1 }] });
    expect(await readStock(documentClient, table, [a, b, c])).toEqual({ [a]: 5, [b]: 5, [c]: 1 });
    expect(await storedReservation(reservation.orderId)).toBeUndefined();
  });

  it('reports a SKU that does not exist as having no stock item at all', async () => {
    const [known, ghost, short] = skus('known', 'ghost', 'short') as [string, string, string];
    await seedStock(documentClient, table, { [known]: 3, [short]: 0 });

    const result = await inventory.reserve(
      reservationOf([
        { sku: known, quantity: 1 },
        { sku: ghost, quantity: 1 },
        { sku: short, quantity: 1 },
      ]),
    );

    expect(result).toEqual({
      status: 'refused',
      shortfall: [
        { sku: ghost, requested: 1, available: undefined },
        { sku: short, requested: 1, available: 0 },
      ],
    });
    expect(await readStock(documentClient, table, [known, ghost, short])).toEqual({ [known]: 3, [short]: 0 });
  });

  it('lets exactly one of two orders competing at once for the last units win', async () => {
    const [lamp] = skus('lamp') as [string];
    await seedStock(documentClient, table, { [lamp]: 2 });
    const first = reservationOf([{ sku: lamp, quantity: 2 }]);
    const second = reservationOf([{ sku: lamp, quantity: 2 }]);

    const results = await Promise.all([inventory.reserve(first), inventory.reserve(second)]);

    expect(results.map((r) => r.status).sort()).toEqual(['refused', 'reserved']);
    expect(await readStock(documentClient, table, [lamp])).toEqual({ [lamp]: 0 });
  });

  it('never takes stock below zero however many orders compete at once', async () => {
    const [chair] = skus('chair') as [string];
    await seedStock(documentClient, table, { [chair]: 3 });
    const orders = Array.from({ length: 8 }, () => reservationOf([{ sku: chair, quantity: 1 }]));

    const results = await Promise.all(orders.map((order) => inventory.reserve(order)));

    expect(results.filter((r) => r.status === 'reserved')).toHaveLength(3);
    expect(await readStock(documentClient, table, [chair])).toEqual({ [chair]: 0 });
  });

  it('reserves once when two deliveries of the same payment try at the same time', async () => {
    const [desk] = skus('desk') as [string];
    await seedStock(documentClient, table, { [desk]: 5 });
    const reservation = reservationOf([{ sku: desk, quantity: 2 }]);

    const results = await Promise.all([
      inventory.reserve(reservation),
      inventory.reserve({ ...reservation, reservedAt: '2025-01-02T03:04:06.000Z' }),
    ]);

    expect(results.map((r) => r.status).sort()).toEqual(['reserved', 'stale']);
    expect(await readStock(documentClient, table, [desk])).toEqual({ [desk]: 3 });
  });

  it('reserves nothing for an order that has a tombstone', async () => {
    const [rug] = skus('rug') as [string];
    await seedStock(documentClient, table, { [rug]: 5 });
    const orderId = uniqueId('order');
    await inventory.recordTombstone({ orderId, status: 'CANCELLED', cancelledAt: AT });

    const result = await inventory.reserve(reservationOf([{ sku: rug, quantity: 1 }], orderId));

    expect(result).toEqual({ status: 'stale' });
    expect(await readStock(documentClient, table, [rug])).toEqual({ [rug]: 5 });
  });

  it(`reserves an order of ${Limits.maxLines} lines, the most the contract allows, in one transaction`, async () => {
    const many = Array.from({ length: Limits.maxLines }, (_, i) => uniqueId(`sku${i}`));
    await seedStock(documentClient, table, Object.fromEntries(many.map((sku) => [sku, 1])));

    const result = await inventory.reserve(reservationOf(many.map((sku) => ({ sku, quantity: 1 }))));

    expect(result).toEqual({ status: 'reserved' });
    expect(Object.values(await readStock(documentClient, table, many))).toEqual(many.map(() => 0));
  });
});

describe('recording a refusal or a tombstone', () => {
  const failedOf = (orderId: string): FailedReservation => ({
    orderId,
    status: 'FAILED',
    items: [{ sku: 'x', quantity: 1 }],
    reason: 'UNKNOWN_SKU',
    skus: ['x'],
    failedAt: AT,
  });

  it('records a refused reservation the order did not have', async () => {
    const failed = failedOf(uniqueId('order'));

    expect(await inventory.recordFailure(failed)).toBe('committed');
    expect(await inventory.load(failed.orderId)).toEqual(failed);
  });

  it('does not overwrite a reservation that another delivery recorded first', async () => {
    const [vase] = skus('vase') as [string];
    await seedStock(documentClient, table, { [vase]: 1 });
    const reservation = reservationOf([{ sku: vase, quantity: 1 }]);
    await inventory.reserve(reservation);

    expect(await inventory.recordFailure(failedOf(reservation.orderId))).toBe('stale');
    expect(
      await inventory.recordTombstone({ orderId: reservation.orderId, status: 'CANCELLED', cancelledAt: AT }),
    ).toBe('stale');
    expect(await inventory.load(reservation.orderId)).toEqual(reservation);
  });

  it('leaves a tombstone for an order it never reserved', async () => {
    const tombstone: CancelledReservation = {
      orderId: uniqueId('order'),
      status: 'CANCELLED',
      cancelledAt: AT,
    };

    expect(await inventory.recordTombstone(tombstone)).toBe('committed');
    expect(await inventory.load(tombstone.orderId)).toEqual(tombstone);
  });
});

describe('releasing stock', () => {
  it('gives every line back and marks the reservation RELEASED', async () => {
    const [mug, tee] = skus('mug', 'tee') as [string, string];
    await seedStock(documentClient, table, { [mug]: 5, [tee]: 1 });
    const reservation = reservationOf([
      { sku: mug, quantity: 2 },
      { sku: tee, quantity: 1 },
    ]);
    await inventory.reserve(reservation);

    const result = await inventory.release({ ...reservation, status: 'RELEASED', releasedAt: AT });

    expect(result).toBe('committed');
    expect(await readStock(documentClient, table, [mug, tee])).toEqual({ [mug]: 5, [tee]: 1 });
    expect(await inventory.load(reservation.orderId)).toMatchObject({ status: 'RELEASED', releasedAt: AT });
  });

  it('releases once when two deliveries of the cancellation try at the same time', async () => {
    const [lamp] = skus('lamp') as [string];
    await seedStock(documentClient, table, { [lamp]: 4 });
    const reservation = reservationOf([{ sku: lamp, quantity: 3 }]);
    await inventory.reserve(reservation);
    const released = { ...reservation, status: 'RELEASED' as const, releasedAt: AT };

    const results = await Promise.all([inventory.release(released), inventory.release(released)]);

    expect(results.sort()).toEqual(['committed', 'stale']);
    expect(await readStock(documentClient, table, [lamp])).toEqual({ [lamp]: 4 });
  });

  it('releases nothing for an order that holds no reservation', async () => {
    const [lamp] = skus('lamp') as [string];
    await seedStock(documentClient, table, { [lamp]: 4 });

    const result = await inventory.release({
      ...reservationOf([{ sku: lamp, quantity: 3 }]),
      status: 'RELEASED',
      releasedAt: AT,
    });

    expect(result).toBe('stale');
    expect(await readStock(documentClient, table, [lamp])).toEqual({ [lamp]: 4 });
  });
});

describe('loading and seeding', () => {
  it('finds no reservation for an order it never heard of', async () => {
    expect(await inventory.load(uniqueId('order'))).toBeUndefined();
  });

  it('seeds and reads back stock in batches larger than DynamoDB takes at once', async () => {
    const many = Array.from({ length: 130 }, (_, i) => uniqueId(`bulk${i}`));
    const stock = Object.fromEntries(many.map((sku, i) => [sku, i]));

    await seedStock(documentClient, table, stock);

    expect(await readStock(documentClient, table, [...many, uniqueId('missing')])).toEqual(stock);
  });
});

describe('transactions that DynamoDB cancels', () => {
  const cancelled = (...codes: string[]) =>
    Object.assign(new Error('Transaction cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: codes.map((Code) => ({ Code })),
    });
  const failingWith = (error: Error) => ({
    documentClient: {
      send: async () => {
        throw error;
      },
    } as never,
    tableName: 't',
  });

  it('reports a transaction that only overlapped a concurrent one as stale, so the use case decides again', async () => {
    const repository = createInventoryRepository(failingWith(cancelled('None', 'TransactionConflict')));

    const result = await repository.reserve(reservationOf([{ sku: 'a', quantity: 1 }]));

    expect(result).toEqual({ status: STALE });
  });

  it('fails on any other cancellation, such as throttling', async () => {
    const throttled = cancelled('None', 'ThrottlingError');
    const repository = createInventoryRepository(failingWith(throttled));

    await expect(repository.reserve(reservationOf([{ sku: 'a', quantity: 1 }]))).rejects.toBe(throttled);
  });
});
