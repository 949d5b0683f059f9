import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderRepository } from '../../../services/order/adapters/order-repository.js';
import { DEADLINE_EXCEEDED, type OrderFact } from '../../../services/order/domain/order.js';
import { applyFact } from '../../../services/order/order-service.js';
import { InventoryReserved, OrderConfirmed, OrderPlaced } from '../../../shared/events/index.js';
import { WriteConflictError } from '../../../shared/optimistic-commit.js';
import { localDynamo } from '../../support/aws.js';
import { detailOf, newOrderId } from '../support/events.js';
import { type OrderTestbed, orderTestbed } from '../support/order.js';

const placed = (orderId: string): OrderFact => ({
  type: OrderPlaced.detailType,
  detail: detailOf(OrderPlaced, orderId),
});
const reserved = (orderId: string): OrderFact => ({
  type: InventoryReserved.detailType,
  detail: detailOf(InventoryReserved, orderId),
});

/**
 * The deps with a repository that holds every read of the order until `readers` reads were made: the
 * deliveries all decide on the same state and race on the commit, however the machine schedules them. (Left
 * to chance, a delivery that reads after its twin's commit but before its publish finds the order awaiting
 * its event and publishes it again, which the design allows: it cannot tell a slow twin from a crashed one.)
 */
const racingOnCommit = (deps: OrderTestbed['deps'], readers: number): OrderTestbed['deps'] => {
  let reads = 0;
  let allRead!: () => void;
  const everyoneRead = new Promise<void>((resolve) => {
    allRead = resolve;
  });
  const load: typeof deps.repository.load = async (orderId) => {
    const stored = await deps.repository.load(orderId);
    if (++reads === readers) allRead();
    await everyoneRead;
    return stored;
  };
  return { ...deps, repository: { ...deps.repository, load } };
};

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

    const racing = racingOnCommit(testbed.deps, 2);
    const outcomes = await Promise.all([
      applyFact(racing, reserved(orderId)),
      applyFact(racing, reserved(orderId)),
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

describe('committing a fact on the state that won a race', () => {
  let testbed: OrderTestbed;

  beforeAll(async () => {
    testbed = await orderTestbed();
  });
  afterAll(() => testbed.close());

  /** The order service on a client whose every read of an order is followed by `afterRead` (a racing writer). */
  const racingDeps = (afterRead: () => Promise<unknown>) => {
    const racing = localDynamo();
    racing.client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'GetItemCommand') await afterRead();
        return result;
      },
      { step: 'initialize', name: 'racingWriter' },
    );
    const repository = createOrderRepository({
      documentClient: racing.documentClient,
      tableName: testbed.tables.orders,
    });
    return { deps: { ...testbed.deps, repository }, close: () => racing.client.destroy() };
  };

  it('writes nothing when the fact changes nothing', async () => {
    const orderId = newOrderId();
    await applyFact(testbed.deps, placed(orderId));

    await applyFact(testbed.deps, placed(orderId));

    expect((await testbed.repository.load(orderId))?.version).toBe(1);
  });

  it('detects a concurrent update, loads again and decides on the state that won', async () => {
    const orderId = newOrderId();
    await applyFact(testbed.deps, placed(orderId));
    let raced = false;
    // A second writer confirms the order between this writer's read and its conditional write.
    const { deps, close } = racingDeps(async () => {
      if (raced) return;
      raced = true;
      await applyFact(testbed.deps, reserved(orderId));
    });
    testbed.clock.advance(5_000);

    const outcome = await applyFact(deps, { type: DEADLINE_EXCEEDED, orderId });

    expect(outcome).toMatchObject({ closed: false, order: { status: 'CONFIRMED' } });
    expect((await testbed.repository.load(orderId))?.order.status).toBe('CONFIRMED');
    expect(testbed.publishedFor(OrderConfirmed.detailType, orderId)).toHaveLength(1);
    close();
  });

  it('gives up with WriteConflictError when it loses every round, having written nothing', async () => {
    const orderId = newOrderId();
    await applyFact(testbed.deps, placed(orderId));
    // Every read is overtaken by a write that bumps the version.
    const { deps, close } = racingDeps(() =>
      testbed.documentClient.send(
        new UpdateCommand({
          TableName: testbed.tables.orders,
          Key: { orderId },
          UpdateExpression: 'SET #version = #version + :one',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      ),
    );

    await expect(applyFact(deps, reserved(orderId))).rejects.toThrow(WriteConflictError);
    expect((await testbed.repository.load(orderId))?.order.status).toBe('PENDING');
    close();
  });
});
