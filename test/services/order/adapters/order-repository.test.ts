import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOrderRepository,
  OPEN_BY_DEADLINE_INDEX,
  type OrderRepository,
  OrderWriteConflictError,
} from '../../../../services/order/adapters/order-repository.js';
import { DEADLINE_EXCEEDED, decide, type OrderFact } from '../../../../services/order/domain/order.js';
import { InventoryReserved, OrderPlaced } from '../../../../shared/events/index.js';
import { createTables, localDynamo } from '../../../support/aws.js';
import { detailOf, newOrderId, UNSERVED_COUNTRY } from '../fixtures.js';

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

describe('the orders repository', () => {
  const { client, documentClient } = localDynamo();
  let tableName: string;
  let repository: OrderRepository;

  /** Applies a fact at the given second, as the service does. */
  const apply = (fact: OrderFact, second: number, repo = repository) =>
    repo.decideAndCommit(fact.type === DEADLINE_EXCEEDED ? fact.orderId : fact.detail.orderId, (current) =>
      decide(current, fact, { now: at(second), deadlineSeconds: 900 }),
    );

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

    const created = await apply(reserved(orderId), 0);
    const confirmed = await apply(placed(orderId), 1);

    expect(created.stored.version).toBe(1);
    expect(confirmed.stored.version).toBe(2);
    expect((await repository.load(orderId))?.order.status).toBe('CONFIRMED');
  });

  it('writes nothing when the decision changes nothing', async () => {
    const orderId = newOrderId();
    await apply(placed(orderId), 0);

    const duplicate = await apply(placed(orderId), 1);

    expect(duplicate.committed).toBe(false);
    expect((await repository.load(orderId))?.version).toBe(1);
  });

  it('detects a concurrent update, reloads and decides again on the state that won', async () => {
    const orderId = newOrderId();
    await apply(placed(orderId), 0);
    // A second writer sneaks in between this writer's read and its conditional write.
    const racing = localDynamo();
    let raced = false;
    racing.client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'GetItemCommand' && !raced) {
          raced = true;
          await apply(reserved(orderId), 1);
        }
        return result;
      },
      { step: 'initialize', name: 'raceAfterFirstRead' },
    );
    const slowRepository = createOrderRepository({ documentClient: racing.documentClient, tableName });
    const seen: (string | undefined)[] = [];

    const result = await slowRepository.decideAndCommit(orderId, (current) => {
      seen.push(current?.status);
      return decide(current, { type: DEADLINE_EXCEEDED, orderId }, { now: at(5_000), deadlineSeconds: 900 });
    });

    expect(seen).toEqual(['PENDING', 'CONFIRMED']);
    expect(result).toMatchObject({ committed: false, conflicts: 1 });
    expect((await repository.load(orderId))?.order).toMatchObject({ status: 'CONFIRMED' });
    racing.client.destroy();
  });

  it('gives up with OrderWriteConflictError when it loses every attempt', async () => {
    const orderId = newOrderId();
    await apply(placed(orderId), 0);
    // Every read is overtaken by a write that bumps the version.
    const racing = localDynamo();
    racing.client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'GetItemCommand') {
          await documentClient.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { orderId },
              UpdateExpression: 'SET #version = #version + :one',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':one': 1 },
            }),
          );
        }
        return result;
      },
      { step: 'initialize', name: 'alwaysOvertaken' },
    );
    const contended = createOrderRepository({
      documentClient: racing.documentClient,
      tableName,
      maxAttempts: 3,
    });

    const attempt = contended.decideAndCommit(orderId, (current) =>
      decide(current, reserved(orderId), { now: at(1), deadlineSeconds: 900 }),
    );

    await expect(attempt).rejects.toThrow(OrderWriteConflictError);
    expect((await repository.load(orderId))?.order.status).toBe('PENDING');
    racing.client.destroy();
  });

  it('keeps in the deadline index only open orders, and closed ones until their event is published', async () => {
    const open = newOrderId('open');
    const closed = newOrderId('closed');
    await apply(placed(open), 0);
    await apply(placed(closed, { shipTo: { country: UNSERVED_COUNTRY } }), 0);
    const before = await indexed();

    await repository.markPublished(closed);

    expect(before).toEqual(
      expect.arrayContaining([
        { orderId: open, openStatus: 'OPEN' },
        { orderId: closed, openStatus: 'UNPUBLISHED' },
      ]),
    );
    const after = await indexed();
    expect(after).toContainEqual({ orderId: open, openStatus: 'OPEN' });
    expect(after.map((entry) => entry.orderId)).not.toContain(closed);
    expect((await repository.load(closed))?.order).toMatchObject({ status: 'CANCELLED' });
    expect((await repository.load(closed))?.awaitingPublish).toBe(false);
  });

  it('marks an order published once, whoever comes second', async () => {
    const orderId = newOrderId();
    await apply(placed(orderId, { shipTo: { country: UNSERVED_COUNTRY } }), 0);

    await Promise.all([repository.markPublished(orderId), repository.markPublished(orderId)]);

    expect((await repository.load(orderId))?.version).toBe(2);
  });
});

describe('finding overdue orders', () => {
  const { client, documentClient } = localDynamo();
  let repository: OrderRepository;
  const ids = {
    longOverdue: newOrderId('long-overdue'),
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
      repository.decideAndCommit(orderId, (current) =>
        decide(current, placed(orderId, overrides), { now: at(second), deadlineSeconds: 900 }),
      );
    await place(ids.longOverdue, -600);
    await place(ids.overdue, -1);
    await place(ids.dueNow, 0);
    await place(ids.notYetDue, 1);
    await place(ids.closed, -600, { shipTo: { country: UNSERVED_COUNTRY } });
  });
  afterAll(() => client.destroy());

  it('returns only the open orders whose deadline is at or before now, earliest first', async () => {
    const { orders, next } = await repository.findOverdue(sweepTime, 100);

    expect(orders.map((order) => order.orderId)).toEqual([ids.longOverdue, ids.overdue, ids.dueNow]);
    expect(orders.every((order) => order.status === 'PENDING')).toBe(true);
    expect(next).toBeUndefined();
  });

  it('pages through the overdue orders with a cursor', async () => {
    const first = await repository.findOverdue(sweepTime, 2);
    const second = await repository.findOverdue(sweepTime, 2, first.next);

    expect(first.orders.map((order) => order.orderId)).toEqual([ids.longOverdue, ids.overdue]);
    expect(first.next).toBeDefined();
    expect(second.orders.map((order) => order.orderId)).toEqual([ids.dueNow]);
  });

  it('finds the closed orders whose event awaits publishing', async () => {
    const { orders } = await repository.findUnpublished(100);

    expect(orders.map((order) => order.orderId)).toEqual([ids.closed]);
  });
});
