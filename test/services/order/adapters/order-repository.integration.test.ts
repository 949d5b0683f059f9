import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenStatus, openStatusOf, shardOf } from '../../../../services/order/adapters/deadline-index.js';
import {
  createOrderRepository,
  OPEN_BY_DEADLINE_INDEX,
} from '../../../../services/order/adapters/order-repository.js';
import { decide, type OrderFact, orderIdOf } from '../../../../services/order/domain/order.js';
import type { OrderRepository } from '../../../../services/order/domain/ports.js';
import { InventoryReserved, OrderPlaced } from '../../../../shared/events/index.js';
import { STALE } from '../../../../shared/optimistic-commit.js';
import { createTables, localDynamo } from '../../../support/aws.js';
import { detailOf, newOrderId, UNSERVED_COUNTRY } from '../../support/events.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const at = (second: number) => new Date(T0 + second * 1000);
const placed = (orderId: string, overrides: Record<string, unknown> = {}): OrderFact => ({
  type: OrderPlaced.detailType,
  detail: detailOf(OrderPlaced, orderId, overrides),
});
const reserved = (orderId: string): OrderFact => ({
  type: InventoryReserved.detailType,
  detail: detailOf(InventoryReserved, orderId),
});

/** Loads, decides at the given second and saves on the version loaded, as one round of the service does. */
const apply = async (repository: OrderRepository, fact: OrderFact, second: number) => {
  const current = await repository.load(orderIdOf(fact));
  const decision = decide(current?.order, fact, { now: at(second), deadlineSeconds: 900 });
  return repository.save(decision.state, current?.version);
};

describe('the orders repository', () => {
  const { client, documentClient } = localDynamo();
  let tableName: string;
  let repository: OrderRepository;

  /** The order ids in the deadline index, whatever their partition (a test may scan; the service never does). */
  const indexed = async () => {
    const { Items = [] } = await documentClient.send(
      new ScanCommand({ TableName: tableName, IndexName: OPEN_BY_DEADLINE_INDEX }),
    );
    return Items.map((item) => ({ orderId: item.orderId, openStatus: item.openStatus }));
  };

  beforeAll(async () => {
    ({ orders: tableName } = await createTables(client, ['orders']));
    repository = createOrderRepository({ documentClient, tableName });
  });
  afterAll(() => client.destroy());

  it('creates an order at version 1 and bumps the version on every write', async () => {
    const orderId = newOrderId();

    await apply(repository, reserved(orderId), 0);
    const created = await repository.load(orderId);
    await apply(repository, placed(orderId), 1);
    const confirmed = await repository.load(orderId);

    expect(created?.version).toBe(1);
    expect(confirmed?.version).toBe(2);
    expect(confirmed?.order.status).toBe('CONFIRMED');
  });

  it('refuses, changing nothing, a write on a version that is no longer the stored one', async () => {
    const orderId = newOrderId();
    await apply(repository, placed(orderId), 0);
    const loaded = await repository.load(orderId);
    await apply(repository, reserved(orderId), 1);

    if (!loaded) throw new Error('the order was not stored');
    const result = await repository.save(loaded.order, loaded.version);

    expect(result).toBe(STALE);
    expect((await repository.load(orderId))?.order.status).toBe('CONFIRMED');
  });

  it('refuses to create an order that another writer created first', async () => {
    const orderId = newOrderId();
    await apply(repository, placed(orderId), 0);

    const result = await repository.save(
      decide(undefined, reserved(orderId), { now: at(1), deadlineSeconds: 900 }).state,
      undefined,
    );

    expect(result).toBe(STALE);
    expect((await repository.load(orderId))?.version).toBe(1);
  });

  it('refuses to read an item that is not an order, naming the field at fault', async () => {
    const orderId = newOrderId();
    await apply(repository, placed(orderId), 0);
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { orderId },
        UpdateExpression: 'SET #status = :unknown',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':unknown': 'SHIPPED' },
      }),
    );

    await expect(repository.load(orderId)).rejects.toThrow(/status/);
  });

  it("files each order in the deadline index under its own shard's key", async () => {
    const open = newOrderId('sharded');

    await apply(repository, placed(open), 0);

    expect(await indexed()).toContainEqual({
      orderId: open,
      openStatus: openStatusOf(OpenStatus.open, open),
    });
  });

  it('keeps in the deadline index only open orders, and closed ones until their event is published', async () => {
    const open = newOrderId('open');
    const closed = newOrderId('closed');
    await apply(repository, placed(open), 0);
    await apply(repository, placed(closed, { shipTo: { country: UNSERVED_COUNTRY } }), 0);
    const before = await indexed();

    await repository.markPublished(closed);

    expect(before).toEqual(
      expect.arrayContaining([
        { orderId: open, openStatus: openStatusOf(OpenStatus.open, open) },
        { orderId: closed, openStatus: openStatusOf(OpenStatus.unpublished, closed) },
      ]),
    );
    const after = await indexed();
    expect(after).toContainEqual({ orderId: open, openStatus: openStatusOf(OpenStatus.open, open) });
    expect(after.map((entry) => entry.orderId)).not.toContain(closed);
    expect((await repository.load(closed))?.order).toMatchObject({ status: 'CANCELLED' });
    expect((await repository.load(closed))?.awaitingPublish).toBe(false);
  });

  it('marks an order published once, whoever comes second', async () => {
    const orderId = newOrderId();
    await apply(repository, placed(orderId, { shipTo: { country: UNSERVED_COUNTRY } }), 0);

    await Promise.all([repository.markPublished(orderId), repository.markPublished(orderId)]);

    expect((await repository.load(orderId))?.version).toBe(2);
  });
});

/** Rewrites an order's index key as it was written before the sharding: the bare `OPEN` or `UNPUBLISHED`. */
const unshard =
  (documentClient: ReturnType<typeof localDynamo>['documentClient'], tableName: string) =>
  async (orderId: string, openStatus: string) => {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { orderId },
        UpdateExpression: 'SET openStatus = :legacy',
        ExpressionAttributeValues: { ':legacy': openStatus },
      }),
    );
  };

describe('finding overdue orders', () => {
  const { client, documentClient } = localDynamo();
  let repository: OrderRepository;
  const ids = {
    longOverdue: newOrderId('long-overdue'),
    legacyOverdue: newOrderId('legacy-overdue'),
    legacyClosed: newOrderId('legacy-closed'),
    overdue: newOrderId('overdue'),
    dueNow: newOrderId('due-now'),
    notYetDue: newOrderId('not-yet-due'),
    closed: newOrderId('closed'),
  };
  const sweepTime = at(900);

  beforeAll(async () => {
    const { orders } = await createTables(client, ['orders']);
    repository = createOrderRepository({ documentClient, tableName: orders });
    const place = (orderId: string, second: number, overrides: Record<string, unknown> = {}) =>
      apply(repository, placed(orderId, overrides), second);
    await place(ids.longOverdue, -600);
    await place(ids.overdue, -1);
    await place(ids.dueNow, 0);
    await place(ids.notYetDue, 1);
    await place(ids.closed, -600, { shipTo: { country: UNSERVED_COUNTRY } });
    // Written before the sharding: the bare partition-key values.
    await place(ids.legacyOverdue, -300);
    await unshard(documentClient, orders)(ids.legacyOverdue, OpenStatus.open);
    await place(ids.legacyClosed, -300, { shipTo: { country: UNSERVED_COUNTRY } });
    await unshard(documentClient, orders)(ids.legacyClosed, OpenStatus.unpublished);
  });
  afterAll(() => client.destroy());

  it('returns only the open orders whose deadline is at or before now, earliest first', async () => {
    const { orders, next } = await repository.findOverdue(sweepTime, 100);

    expect(orders.map((order) => order.orderId)).toEqual([
      ids.longOverdue,
      ids.legacyOverdue,
      ids.overdue,
      ids.dueNow,
    ]);
    expect(orders.every((order) => order.status === 'PENDING')).toBe(true);
    expect(next).toBeUndefined();
  });

  it('pages through the overdue orders with a cursor', async () => {
    const first = await repository.findOverdue(sweepTime, 2);
    const second = await repository.findOverdue(sweepTime, 2, first.next);
    // A query that fills its Limit gets a LastEvaluatedKey even when nothing follows (DynamoDB's rule): when
    // the last two orders share a shard, the cursor leads to one more page, which must be empty and final.
    const third = second.next && (await repository.findOverdue(sweepTime, 2, second.next));

    expect(first.orders.map((order) => order.orderId)).toEqual([ids.longOverdue, ids.legacyOverdue]);
    expect(first.next).toBeDefined();
    expect(second.orders.map((order) => order.orderId)).toEqual([ids.overdue, ids.dueNow]);
    expect(third?.orders ?? []).toEqual([]);
    expect(third?.next).toBeUndefined();
  });

  it('finds the closed orders whose event awaits publishing', async () => {
    const { orders } = await repository.findUnpublished(100);

    expect(orders.map((order) => order.orderId)).toEqual([ids.closed, ids.legacyClosed]);
  });

  it('reads an order written before the sharding as awaiting publishing, and marks it published', async () => {
    expect((await repository.load(ids.legacyClosed))?.awaitingPublish).toBe(true);

    await repository.markPublished(ids.legacyClosed);

    expect((await repository.load(ids.legacyClosed))?.awaitingPublish).toBe(false);
    expect((await repository.findUnpublished(100)).orders.map((order) => order.orderId)).toEqual([
      ids.closed,
    ]);
  });
});

describe('paging the sharded deadline index', () => {
  const { client, documentClient } = localDynamo();
  let repository: OrderRepository;
  // Enough orders to fill most shards, each one second later than the one before.
  const ids = Array.from({ length: 40 }, (_, index) => newOrderId(`paged-${index}`));

  beforeAll(async () => {
    const { orders } = await createTables(client, ['orders']);
    repository = createOrderRepository({ documentClient, tableName: orders });
    for (const [index, orderId] of ids.entries()) await apply(repository, placed(orderId), index - 900);
  });
  afterAll(() => client.destroy());

  it('gives every overdue order once, earliest deadline first across the shards, page after page', async () => {
    const seen: string[] = [];
    let cursor: Parameters<OrderRepository['findOverdue']>[2];
    do {
      const page = await repository.findOverdue(at(900), 3, cursor);
      expect(page.orders.length).toBeLessThanOrEqual(3);
      seen.push(...page.orders.map((order) => order.orderId));
      cursor = page.next;
    } while (cursor);

    expect(seen).toEqual(ids);
  });

  it('gives every order once when many share one deadline in one shard, whatever their ids', async () => {
    const { orders } = await createTables(client, ['orders']);
    const sameDeadline = createOrderRepository({ documentClient, tableName: orders });
    const shard = shardOf(newOrderId('tied-0'));
    const tied: string[] = [];
    for (let i = 0; tied.length < 6; i++) {
      const orderId = newOrderId(`tied-${i}`);
      if (shardOf(orderId) === shard) tied.push(orderId);
    }
    for (const orderId of tied) await apply(sameDeadline, placed(orderId), -900);

    const seen: string[] = [];
    let cursor: Parameters<OrderRepository['findOverdue']>[2];
    do {
      const page = await sameDeadline.findOverdue(at(900), 2, cursor);
      seen.push(...page.orders.map((order) => order.orderId));
      cursor = page.next;
    } while (cursor);

    expect(seen.sort()).toEqual([...tied].sort());
  });
});
