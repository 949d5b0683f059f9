/**
 * The order service's use cases: applying one fact (every handler), the customer's cancellation (the
 * storefront API) and the deadline sweep (the schedule). All go load -> decide -> commit -> publish, with a terminal event published only after its state committed.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import type { BusinessMetrics } from '../../shared/business-metrics.js';
import { OrderPlaced } from '../../shared/events/index.js';
import { Metrics } from '../../shared/metrics.js';
import { commitOptimistically, STALE } from '../../shared/optimistic-commit.js';
import type { Publisher } from '../../shared/publisher.js';
import {
  CUSTOMER_CANCELLATION,
  DEADLINE_EXCEEDED,
  decide,
  isTerminal,
  type Order,
  type OrderDecision,
  type OrderFact,
  orderIdOf,
  terminalEventsOf,
} from './domain/order.js';
import type { OrderPage, OrderRepository, PageCursor, StoredOrder } from './domain/ports.js';

/** What the order service's use cases need; the composition root (handlers/deps.ts) builds the real ones. */
export type ServiceDeps = {
  repository: OrderRepository;
  publisher: Publisher;
  logger: Logger;
  /** The business metrics: a fact is counted once, when this service commits it. */
  metrics: BusinessMetrics;
  /** The time of each decision. */
  now: () => Date;
  /** How long an order may stay undecided after its first fact was received. */
  deadlineSeconds: number;
};

/** What applying one fact did: the order as stored afterwards, and whether this call closed it. */
export type FactOutcome = { order: Order; closed: boolean };

/** The decision taken on the latest stored state, what is stored now, and how many races were lost first. */
type Committed = { decision: OrderDecision; stored: StoredOrder; committed: boolean; lost: number };

/**
 * Loads the order, decides on that state and commits the decision conditionally on the version read (or
 * on the item's absence); a lost race loads and decides again, so no fact is ever lost. Writes nothing
 * when the decision changes nothing.
 *
 * OrderPlaced is an order's first fact but for rare arrivals out of order, so its first round does not
 * read: it decides on no order, and its write, conditional on the item's absence, is the check. When an
 * order is there after all, the next round loads it and decides as usual; that guess is not a lost race.
 */
const decideAndCommit = (deps: ServiceDeps, fact: OrderFact, factTime?: Date): Promise<Committed> => {
  const orderId = orderIdOf(fact);
  const guessed = fact.type === OrderPlaced.detailType ? 1 : 0;
  return commitOptimistically(`Order ${orderId}`, async (rounds) => {
    const current = rounds < guessed ? undefined : await deps.repository.load(orderId);
    const lost = Math.max(0, rounds - guessed);
    const { deadlineSeconds } = deps;
    const decision = decide(current?.order, fact, {
      now: deps.now(),
      deadlineSeconds,
      ...(factTime && { factTime }),
    });
    if (!decision.changed && current) return { decision, stored: current, committed: false, lost };
    if ((await deps.repository.save(decision.state, current?.version)) === STALE) return STALE;
    const stored = {
      order: decision.state,
      version: (current?.version ?? 0) + 1,
      awaitingPublish: isTerminal(decision.state),
    };
    return { decision, stored, committed: true, lost };
  });
};

/**
 * Applies one fact to its order. On the transition to a terminal status the state is committed first,
 * then its event is published, then the order is marked published. When the order is found already
 * terminal with its event still unpublished (an earlier attempt committed and then failed to publish),
 * the event is re-published from the stored state. A failed publish throws, so the delivery is retried.
 * `factTime` is when the fact happened on the bus's clock (its event's `time`; `now` when absent): a new
 * order's deadline counts from it.
 */
export const applyFact = async (
  deps: ServiceDeps,
  fact: OrderFact,
  factTime?: Date,
): Promise<FactOutcome> => {
  const { decision, stored, committed, lost } = await decideAndCommit(deps, fact, factTime);
  if (committed) recordCommitted(deps.metrics, fact, decision.state);
  if (committed && decision.emit.length > 0) {
    deps.logger.info('Order closed', {
      status: stored.order.status,
      cancelReason: stored.order.cancelReason,
    });
    await deps.publisher.publish(decision.emit);
    await deps.repository.markPublished(stored.order.orderId);
    return { order: stored.order, closed: true };
  }
  // After a lost race the order was closed by a concurrent writer, whose own publish (or its retry) is
  // under way; re-publishing here would only duplicate it.
  if (!committed && lost === 0 && stored.awaitingPublish) await republish(deps, stored);
  return { order: stored.order, closed: false };
};

/**
 * Counts what a committed decision changed: the order's OrderPlaced recorded (unless it was rejected: a
 * rejected order counts as cancelled, not placed), and its close (outcome, cancellation reason, and the
 * saga's duration from OrderPlaced's `occurredAt` to the terminal event's). Called only when the commit
 * won, so a duplicate delivery, which decides no change, counts nothing.
 */
const recordCommitted = (metrics: BusinessMetrics, fact: OrderFact, order: Order): void => {
  const rejected = order.cancelReason === 'ORDER_REJECTED';
  if (fact.type === OrderPlaced.detailType && !rejected) metrics.add(Metrics.ordersPlaced, 1);
  if (!isTerminal(order) || !order.closedAt) return;
  if (order.status === 'CONFIRMED') metrics.add(Metrics.ordersConfirmed, 1);
  if (order.cancelReason) metrics.add(Metrics.ordersCancelled, 1, { reason: order.cancelReason });
  if (order.placed) {
    const duration = Date.parse(order.closedAt) - Date.parse(order.placed.occurredAt);
    metrics.add(Metrics.sagaDuration, Math.max(0, duration), { outcome: order.status });
  }
};

/** Publishes a terminal order's event again from its stored state, then marks it published. */
export const republish = async (deps: ServiceDeps, stored: StoredOrder): Promise<void> => {
  deps.logger.info('Re-publishing the event of a closed order', { status: stored.order.status });
  await deps.publisher.publish(terminalEventsOf(stored.order));
  await deps.repository.markPublished(stored.order.orderId);
};

/** The customer asked to cancel an order that is already CONFIRMED: undoing it is a return, another process. */
export class OrderNotCancellableError extends Error {
  override name = 'OrderNotCancellableError';
  constructor(readonly order: Order) {
    super(`Order ${order.orderId} is ${order.status} and can no longer be cancelled`);
  }
}

/**
 * The customer's cancellation, applied through the order's one decision like any other fact: an open
 * order is cancelled with CUSTOMER_REQUEST, committed, and its OrderCancelled published (payment and
 * inventory compensate from there). An order already cancelled is returned as it is (a retry, or another
 * cause got there first); one already CONFIRMED throws OrderNotCancellableError. A cancellation racing
 * the saga's outcome loses or wins on the conditional write, so the order ends in exactly one terminal
 * state. Throws OrderNotFoundError when no fact about the order was recorded yet.
 */
export const cancelByCustomer = async (deps: ServiceDeps, orderId: string): Promise<Order> => {
  const { order } = await applyFact(deps, { type: CUSTOMER_CANCELLATION, orderId });
  if (order.status === 'CONFIRMED') throw new OrderNotCancellableError(order);
  return order;
};

/** What one sweep did. */
export type SweepSummary = { cancelled: number; republished: number };

/** Some orders could not be settled; the schedule's retry (or next run) picks them up from the index. */
export class SweepError extends AggregateError {
  override name = 'SweepError';
}

/** How many orders the sweep reads, and settles concurrently, per page of the index. */
export type SweepOptions = { pageSize?: number };

/** One sweep in progress: the orders that failed so far, left to the schedule's retry. */
type SweepRun = { deps: ServiceDeps; failures: Map<string, unknown> };

/**
 * Settles every order of every page on its own with `one`; counts those it acted on and records those
 * it could not settle. An order that already failed in this run is left to the schedule's retry.
 */
const settleAll = async (
  run: SweepRun,
  nextPage: (cursor?: PageCursor) => Promise<OrderPage>,
  one: (orderId: string) => Promise<boolean>,
): Promise<number> => {
  let settled = 0;
  let cursor: PageCursor | undefined;
  do {
    const page = await nextPage(cursor);
    const todo = page.orders.filter(({ orderId }) => !run.failures.has(orderId));
    const results = await Promise.allSettled(todo.map(({ orderId }) => one(orderId)));
    results.forEach((result, index) => {
      const orderId = todo[index]?.orderId ?? '';
      if (result.status === 'fulfilled') {
        if (result.value) settled++;
        return;
      }
      run.failures.set(orderId, result.reason);
      run.deps.logger.error('Could not settle an order', { orderId, error: result.reason });
    });
    cursor = page.next;
  } while (cursor);
  return settled;
};

/**
 * The deadline sweep: no order waits forever. Cancels, with DEADLINE_EXCEEDED, every open order whose
 * deadline has passed at `at` (the schedule's time, on the bus's clock, as the deadlines are; `now` when
 * absent), page by page through the sparse index, each through `applyFact` like a handler;
 * then re-publishes the event of every closed order whose publish failed earlier (here or in a handler
 * whose retries ran out). Every step is idempotent on its own (a conditional cancel of an order still
 * open, a re-publish from stored state), so the sweep needs no idempotency record. Orders are settled
 * independently; if any failed, it throws SweepError once all were tried, so the schedule retries.
 */
export const sweepDeadlines = async (
  deps: ServiceDeps,
  { pageSize = 25 }: SweepOptions = {},
  at: Date = deps.now(),
): Promise<SweepSummary> => {
  const now = deps.now();
  const run: SweepRun = { deps, failures: new Map() };
  const cancelled = await settleAll(
    run,
    (cursor) => deps.repository.findOverdue(at, pageSize, cursor),
    async (orderId) => {
      const fact = { type: DEADLINE_EXCEEDED, orderId } as const;
      const { closed } = await applyFact({ ...deps, now: () => now }, fact, at);
      if (closed) deps.logger.info('Order cancelled: deadline exceeded', { orderId });
      return closed;
    },
  );
  const republished = await settleAll(
    run,
    (cursor) => deps.repository.findUnpublished(pageSize, cursor),
    async (orderId) => {
      const stored = await deps.repository.load(orderId);
      if (!stored?.awaitingPublish) return false;
      await republish(deps, stored);
      return true;
    },
  );
  const summary = { cancelled, republished };
  if (run.failures.size > 0) {
    throw new SweepError(
      [...run.failures.values()],
      `Deadline sweep: ${run.failures.size} order(s) not settled (${JSON.stringify(summary)})`,
    );
  }
  deps.logger.info('Deadline sweep done', summary);
  return summary;
};
