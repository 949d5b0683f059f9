/**
 * The deadline sweep, run by a schedule (EventBridge Scheduler or a rate rule): no order waits forever.
 * It is not a consumer of the contract, so it takes no idempotency record: every step is idempotent on its own
 * (a conditional cancel of an order still open, a re-publish from stored state).
 */
import type { Context } from 'aws-lambda';
import { onFirstInvocation } from '../../../shared/lambda.js';
import type { PageCursor } from '../adapters/order-repository.js';
import { DEADLINE_EXCEEDED } from '../domain/order.js';
import { applyFact, type Deps, republish } from '../order-service.js';
import { defaultDeps } from './deps.js';

/** What one sweep did. */
export type SweepSummary = { cancelled: number; republished: number };

/** Some orders could not be settled; the schedule's retry (or next run) picks them up from the index. */
export class SweepError extends AggregateError {
  override name = 'SweepError';
}

/** How many orders the sweep reads, and settles concurrently, per page of the index. */
export type SweepOptions = { pageSize?: number };

/**
 * Cancels, with DEADLINE_EXCEEDED, every open order whose deadline has passed, page by page through the
 * sparse index, each through the same decide -> commit -> publish path as the handlers; then re-publishes the
 * event of every closed order whose publish failed earlier (here or in a handler whose retries ran out).
 * The input (the schedule's event) is not read: the time is the function's own clock.
 * Orders are settled independently; if any failed, it throws once all were tried, so the schedule retries.
 */
export const makeHandler =
  (deps: Deps, { pageSize = 25 }: SweepOptions = {}) =>
  async (_event: unknown, context: Context): Promise<SweepSummary> => {
    deps.logger.addContext(context);
    const now = deps.now();
    const failures = new Map<string, unknown>();
    /** Settles each order of a page on its own; counts those it acted on, records those it could not settle. */
    const settle = async (orders: { orderId: string }[], one: (orderId: string) => Promise<boolean>) => {
      // An order that already failed in this run is left to the schedule's retry, which re-publishes it.
      const todo = orders.filter(({ orderId }) => !failures.has(orderId));
      const results = await Promise.allSettled(todo.map(({ orderId }) => one(orderId)));
      results.forEach((result, index) => {
        const orderId = todo[index]?.orderId ?? '';
        if (result.status === 'fulfilled') return;
        failures.set(orderId, result.reason);
        deps.logger.error('Could not settle an order', { orderId, error: result.reason });
      });
      return results.filter((result) => result.status === 'fulfilled' && result.value).length;
    };

    let cancelled = 0;
    let cursor: PageCursor | undefined;
    do {
      const page = await deps.repository.findOverdue(now, pageSize, cursor);
      cancelled += await settle(page.orders, async (orderId) => {
        const { closed } = await applyFact({ ...deps, now: () => now }, { type: DEADLINE_EXCEEDED, orderId });
        if (closed) deps.logger.info('Order cancelled: deadline exceeded', { orderId });
        return closed;
      });
      cursor = page.next;
    } while (cursor);

    let republished = 0;
    do {
      const page = await deps.repository.findUnpublished(pageSize, cursor);
      republished += await settle(page.orders, async (orderId) => {
        const stored = await deps.repository.load(orderId);
        if (!stored?.awaitingPublish) return false;
        await republish(deps, stored);
        return true;
      });
      cursor = page.next;
    } while (cursor);

    const summary = { cancelled, republished };
    if (failures.size > 0) {
      throw new SweepError(
        [...failures.values()],
        `Deadline sweep: ${failures.size} order(s) not settled (${JSON.stringify(summary)})`,
      );
    }
    deps.logger.info('Deadline sweep done', summary);
    return summary;
  };

/** The Lambda entry point, wired to the function's environment. */
export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
