/**
 * The order service's one use case, shared by every handler and the deadline sweep:
 * load -> decide -> commit -> publish, with the terminal event published only after its state committed.
 */

import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Publisher } from '../../shared/publisher.js';
import type { OrderRepository, StoredOrder } from './adapters/order-repository.js';
import { decide, type Order, type OrderFact, orderIdOf, terminalEventsOf } from './domain/order.js';

/** What the order service's handlers need; `defaultDeps()` builds the real ones. */
export type Deps = {
  repository: OrderRepository;
  publisher: Publisher;
  logger: Logger;
  /** The idempotency store; the stack's table (createConsumer's default) when absent. */
  persistenceStore?: BasePersistenceLayer;
  /** The time of each decision. */
  now: () => Date;
  /** How long an order may stay undecided after its first fact was received. */
  deadlineSeconds: number;
};

/** What applying one fact did: the order as stored afterwards, and whether this call closed it. */
export type FactOutcome = { order: Order; closed: boolean };

/**
 * Applies one fact to its order. On the transition to a terminal status the state is committed first,
 * then its event is published, then the order is marked published. When the order is found already
 * terminal with its event still unpublished (an earlier attempt committed and then failed to publish),
 * the event is re-published from the stored state. A failed publish throws, so the delivery is retried.
 */
export const applyFact = async (deps: Deps, fact: OrderFact): Promise<FactOutcome> => {
  const orderId = orderIdOf(fact);
  const { decision, stored, committed, conflicts } = await deps.repository.decideAndCommit(
    orderId,
    (current) => decide(current, fact, { now: deps.now(), deadlineSeconds: deps.deadlineSeconds }),
  );
  if (committed && decision.emit.length > 0) {
    deps.logger.info('Order closed', {
      status: stored.order.status,
      cancelReason: stored.order.cancelReason,
    });
    await deps.publisher.publish(decision.emit);
    await deps.repository.markPublished(orderId);
    return { order: stored.order, closed: true };
  }
  // After a lost race the order was closed by a concurrent writer, whose own publish (or its retry) is
  // under way; re-publishing here would only duplicate it.
  if (!committed && conflicts === 0 && stored.awaitingPublish) await republish(deps, stored);
  return { order: stored.order, closed: false };
};

/** Publishes a terminal order's event again from its stored state, then marks it published. */
export const republish = async (deps: Deps, stored: StoredOrder): Promise<void> => {
  deps.logger.info('Re-publishing the event of a closed order', { status: stored.order.status });
  await deps.publisher.publish(terminalEventsOf(stored.order));
  await deps.repository.markPublished(stored.order.orderId);
};
