/**
 * The customer's cancellation as the order service performs it (load, decide, commit conditionally,
 * publish), with the real use cases over an in-memory orders table whose conditional write behaves as
 * DynamoDB's: a write on a stale version is refused, and the loser decides again on what won.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { type Order, OrderNotFoundError } from '../../../services/order/domain/order.js';
import type { OrderRepository, StoredOrder } from '../../../services/order/domain/ports.js';
import {
  applyFact,
  cancelByCustomer,
  OrderNotCancellableError,
  type ServiceDeps,
} from '../../../services/order/order-service.js';
import {
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
  PaymentFailed,
} from '../../../shared/events/index.js';
import { STALE } from '../../../shared/optimistic-commit.js';
import { detailOf, manualClock } from '../support/events.js';
import { recordingMetrics } from '../support/metrics.js';
import { RecordingPublisher } from '../support/payment-in-memory.js';

const ORDER_ID = 'order-customer-1';

/** The orders table in memory; `beforeSave` runs just before a write's condition is checked. */
class InMemoryOrders implements OrderRepository {
  readonly items = new Map<string, StoredOrder>();
  beforeSave?: () => Promise<void>;

  async load(orderId: string) {
    return structuredClone(this.items.get(orderId));
  }
  async save(order: Order, expectedVersion: number | undefined) {
    const hook = this.beforeSave;
    this.beforeSave = undefined;
    await hook?.();
    if (this.items.get(order.orderId)?.version !== expectedVersion) return STALE;
    const version = (expectedVersion ?? 0) + 1;
    this.items.set(order.orderId, {
      order: structuredClone(order),
      version,
      awaitingPublish: order.status !== 'PENDING',
    });
    return 'committed' as const;
  }
  async markPublished(orderId: string) {
    const stored = this.items.get(orderId);
    if (stored) stored.awaitingPublish = false;
  }
  async findOverdue() {
    return { orders: [] };
  }
  async findUnpublished() {
    return { orders: [] };
  }
}

const service = () => {
  const repository = new InMemoryOrders();
  const publisher = new RecordingPublisher();
  const clock = manualClock();
  const deps: ServiceDeps = {
    repository,
    publisher,
    logger: new Logger({ serviceName: 'order', logLevel: 'SILENT' }),
    metrics: recordingMetrics().metrics,
    now: clock.now,
    deadlineSeconds: 900,
  };
  const fact = {
    placed: () => applyFact(deps, { type: OrderPlaced.detailType, detail: detailOf(OrderPlaced, ORDER_ID) }),
    reserved: () =>
      applyFact(deps, { type: InventoryReserved.detailType, detail: detailOf(InventoryReserved, ORDER_ID) }),
    paymentFailed: () =>
      applyFact(deps, { type: PaymentFailed.detailType, detail: detailOf(PaymentFailed, ORDER_ID) }),
  };
  const terminalEvents = () =>
    publisher.published.filter(
      (event) =>
        event.detailType === OrderConfirmed.detailType || event.detailType === OrderCancelled.detailType,
    );
  return { deps, repository, publisher, fact, terminalEvents };
};

describe("the order service's customer cancellation", () => {
  it('cancels a pending order with CUSTOMER_REQUEST, commits it, then publishes its OrderCancelled', async () => {
    const { deps, repository, fact, terminalEvents } = service();
    await fact.placed();

    const order = await cancelByCustomer(deps, ORDER_ID);

    expect(order).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_REQUEST' });
    expect(repository.items.get(ORDER_ID)).toMatchObject({
      order: { status: 'CANCELLED', cancelReason: 'CUSTOMER_REQUEST' },
      awaitingPublish: false,
    });
    expect(terminalEvents()).toEqual([
      {
        detailType: OrderCancelled.detailType,
        detail: { orderId: ORDER_ID, occurredAt: order.closedAt, reason: 'CUSTOMER_REQUEST' },
      },
    ]);
  });

  it('refuses to cancel a confirmed order (the 409 case), changing and publishing nothing', async () => {
    const { deps, repository, fact, terminalEvents } = service();
    await fact.placed();
    await fact.reserved();
    const before = structuredClone(repository.items.get(ORDER_ID));

    const cancelling = cancelByCustomer(deps, ORDER_ID);

    await expect(cancelling).rejects.toThrow(OrderNotCancellableError);
    await expect(cancelling).rejects.toMatchObject({ order: { status: 'CONFIRMED' } });
    expect(repository.items.get(ORDER_ID)).toEqual(before);
    expect(terminalEvents().map((event) => event.detailType)).toEqual([OrderConfirmed.detailType]);
  });

  it('answers a repeated cancellation with the cancelled order, publishing nothing more', async () => {
    const { deps, fact, terminalEvents } = service();
    await fact.placed();
    const first = await cancelByCustomer(deps, ORDER_ID);

    const again = await cancelByCustomer(deps, ORDER_ID);

    expect(again).toEqual(first);
    expect(terminalEvents()).toHaveLength(1);
  });

  it('answers a cancellation of an order cancelled for another reason with that order, as it is', async () => {
    const { deps, fact, terminalEvents } = service();
    await fact.placed();
    await fact.paymentFailed();

    const order = await cancelByCustomer(deps, ORDER_ID);

    expect(order).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_FAILED' });
    expect(terminalEvents().map((event) => (event.detail as OrderCancelled).reason)).toEqual([
      'PAYMENT_FAILED',
    ]);
  });

  it('throws OrderNotFoundError (the 404 case) for an order it has no fact about, storing nothing', async () => {
    const { deps, repository } = service();

    await expect(cancelByCustomer(deps, ORDER_ID)).rejects.toThrow(OrderNotFoundError);
    expect(repository.items.size).toBe(0);
  });

  it('loses to a confirmation that commits between its read and its write: 409, and one OrderConfirmed only', async () => {
    const { deps, repository, fact, terminalEvents } = service();
    await fact.placed();
    repository.beforeSave = async () => {
      await fact.reserved();
    };

    await expect(cancelByCustomer(deps, ORDER_ID)).rejects.toThrow(OrderNotCancellableError);

    expect(repository.items.get(ORDER_ID)?.order.status).toBe('CONFIRMED');
    expect(terminalEvents().map((event) => event.detailType)).toEqual([OrderConfirmed.detailType]);
  });

  it('wins over a confirmation that reads before it commits: the reservation then changes nothing', async () => {
    const { deps, repository, fact, terminalEvents } = service();
    await fact.placed();
    repository.beforeSave = async () => {
      await cancelByCustomer(deps, ORDER_ID);
    };

    const outcome = await fact.reserved();

    expect(outcome).toMatchObject({
      closed: false,
      order: { status: 'CANCELLED', cancelReason: 'CUSTOMER_REQUEST' },
    });
    expect(terminalEvents().map((event) => event.detailType)).toEqual([OrderCancelled.detailType]);
  });
});
