/**
 * The inventory service's use cases, shared by its handlers: load the order's reservation, decide, commit
 * with a conditional write, then publish. A write that finds the reservation changed since it was loaded
 * (a concurrent delivery, a cancellation racing a payment) is not an error: the use case reloads and
 * decides again from what is stored. Events are published only after the commit, and a retry re-publishes
 * them from the stored state.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { BusinessMetrics } from '../../shared/business-metrics.js';
import type { OrderCancelled, PaymentProcessed } from '../../shared/events/index.js';
import { Metrics } from '../../shared/metrics.js';
import { commitOptimistically, STALE } from '../../shared/optimistic-commit.js';
import type { Publisher } from '../../shared/publisher.js';
import { decideOrderCancelled, decidePaymentProcessed, refuseReservation } from './domain/inventory.js';
import type { InventoryRepository } from './domain/ports.js';

/** What the inventory use cases need; the composition root (handlers/deps.ts) builds the real ones. */
export type ServiceDeps = {
  repository: InventoryRepository;
  publisher: Publisher;
  logger: Logger;
  /** The business metrics: a reservation, a release or a tombstone counts once, when its commit wins. */
  metrics: BusinessMetrics;
  /** The time of each decision. */
  now: () => Date;
};

/**
 * Reserves every line of a paid order, or none: InventoryReserved, or InventoryReservationFailed naming
 * the SKUs (UNKNOWN_SKU before OUT_OF_STOCK). Reserves nothing after a cancellation's tombstone.
 */
export const reserveStock = async (
  { repository, publisher, logger, metrics, now }: ServiceDeps,
  fact: Pick<PaymentProcessed, 'orderId' | 'items'>,
): Promise<void> => {
  // A paid order normally has no reservation yet, so the first round does not read: it decides on none,
  // and the reservation's write, conditional on the item's absence, is the check. When there is one after
  // all (a duplicate, a tombstone), the write reports STALE and the next round loads it.
  const events = await commitOptimistically(`Reservation of order ${fact.orderId}`, async (lost) => {
    const current = lost === 0 ? undefined : await repository.load(fact.orderId);
    const at = now().toISOString();
    const decision = decidePaymentProcessed(current, fact, at);
    if (decision.kind === 'unchanged') {
      logger.info('Reservation already decided', { status: current?.status });
      return decision.emit;
    }
    const result = await repository.reserve(decision.reservation);
    if (result.status === STALE) return STALE;
    if (result.status === 'reserved') {
      logger.info('Stock reserved', { items: decision.reservation.items });
      metrics.add(Metrics.stockReserved, 1);
      return decision.emit;
    }
    const refused = refuseReservation(decision.reservation, result.shortfall, at);
    if ((await repository.recordFailure(refused.reservation)) === STALE) return STALE;
    logger.info('Reservation refused', {
      reason: refused.reservation.reason,
      skus: refused.reservation.skus,
    });
    return refused.emit;
  });
  await publisher.publish(events);
};

/**
 * Compensates an order's reservation when the order is cancelled: releases what it holds
 * (InventoryReleased), or leaves a tombstone when nothing was reserved yet.
 */
export const releaseStock = async (
  { repository, publisher, logger, metrics, now }: ServiceDeps,
  fact: Pick<OrderCancelled, 'orderId'>,
): Promise<void> => {
  const events = await commitOptimistically(`Reservation of order ${fact.orderId}`, async () => {
    const current = await repository.load(fact.orderId);
    const decision = decideOrderCancelled(current, fact, now().toISOString());
    switch (decision.kind) {
      case 'unchanged':
        logger.info('Nothing to release', { status: current?.status });
        return decision.emit;
      case 'tombstone':
        if ((await repository.recordTombstone(decision.reservation)) === STALE) return STALE;
        logger.info('Cancelled before any reservation: tombstone recorded');
        metrics.add(Metrics.compensationTombstones, 1);
        return decision.emit;
      case 'release':
        if ((await repository.release(decision.reservation)) === STALE) return STALE;
        logger.info('Stock released', { items: decision.reservation.items });
        metrics.add(Metrics.stockReleased, 1);
        return decision.emit;
    }
  });
  await publisher.publish(events);
};
