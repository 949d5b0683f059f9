/**
 * The inventory service's use cases, shared by its handlers: load the order's reservation, decide, commit
 * with a conditional write, then publish. A write that finds the reservation changed since it was loaded
 * (a concurrent delivery, a cancellation racing a payment) is not an error: the use case reloads and
 * decides again from what is stored. Events are published only after the commit, and a retry re-publishes
 * them from the stored state.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { OrderCancelled, OutgoingEvent, PaymentProcessed } from '../../shared/events/index.js';
import type { Publisher } from '../../shared/publisher.js';
import type { InventoryRepository } from './adapters/inventory-repository.js';
import { decideOrderCancelled, decidePaymentProcessed, refuseReservation } from './domain/inventory.js';

export type InventoryServiceDeps = {
  inventory: InventoryRepository;
  publisher: Publisher;
  logger: Pick<Logger, 'info'>;
  now?: () => Date;
};

/** How many times a use case decides again after losing a race before giving up (and being retried). */
const MAX_DECISIONS = 5;

/** The reservation kept changing under the use case: the delivery fails and is retried. */
export class ReservationContentionError extends Error {
  override name = 'ReservationContentionError';
}

/** Runs one load-decide-commit round until it commits (returning the events to publish) or gives up. */
const untilCommitted = async (
  orderId: string,
  round: () => Promise<OutgoingEvent[] | 'stale'>,
): Promise<OutgoingEvent[]> => {
  for (let decisions = 1; decisions <= MAX_DECISIONS; decisions++) {
    const events = await round();
    if (events !== 'stale') return events;
  }
  throw new ReservationContentionError(
    `The reservation of order ${orderId} changed under ${MAX_DECISIONS} decisions in a row`,
  );
};

/**
 * Reserves every line of a paid order, or none: InventoryReserved, or InventoryReservationFailed naming
 * the SKUs (UNKNOWN_SKU before OUT_OF_STOCK). Reserves nothing after a cancellation's tombstone.
 */
export const reserveStock = async (
  { inventory, publisher, logger, now = () => new Date() }: InventoryServiceDeps,
  fact: Pick<PaymentProcessed, 'orderId' | 'items'>,
): Promise<void> => {
  const events = await untilCommitted(fact.orderId, async () => {
    const current = await inventory.load(fact.orderId);
    const at = now().toISOString();
    const decision = decidePaymentProcessed(current, fact, at);
    if (decision.kind === 'unchanged') {
      logger.info('Reservation already decided', { status: current?.status });
      return decision.emit;
    }
    const result = await inventory.reserve(decision.reservation);
    if (result.status === 'stale') return 'stale';
    if (result.status === 'reserved') {
      logger.info('Stock reserved', { items: decision.reservation.items });
      return decision.emit;
    }
    const refused = refuseReservation(decision.reservation, result.shortfall, at);
    if ((await inventory.recordFailure(refused.reservation)) === 'stale') return 'stale';
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
  { inventory, publisher, logger, now = () => new Date() }: InventoryServiceDeps,
  fact: Pick<OrderCancelled, 'orderId'>,
): Promise<void> => {
  const events = await untilCommitted(fact.orderId, async () => {
    const current = await inventory.load(fact.orderId);
    const decision = decideOrderCancelled(current, fact, now().toISOString());
    switch (decision.kind) {
      case 'unchanged':
        logger.info('Nothing to release', { status: current?.status });
        return decision.emit;
      case 'tombstone':
        if ((await inventory.recordTombstone(decision.reservation)) === 'stale') return 'stale';
        logger.info('Cancelled before any reservation: tombstone recorded');
        return decision.emit;
      case 'release':
        if ((await inventory.release(decision.reservation)) === 'stale') return 'stale';
        logger.info('Stock released', { items: decision.reservation.items });
        return decision.emit;
    }
  });
  await publisher.publish(events);
};
