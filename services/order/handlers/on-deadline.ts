/**
 * The deadline sweep's entry, run by a schedule (EventBridge Scheduler or a rate rule). The use case is
 * the order service's `sweepDeadlines`, at the time of the schedule's event: the deadlines it compares with
 * count from the `time` of the orders' first facts, on the same clock (the function's own when the event has
 * no valid `time`).
 */
import type { Context } from 'aws-lambda';
import { onFirstInvocation } from '../../../shared/lambda.js';
import { type SweepOptions, type SweepSummary, sweepDeadlines } from '../order-service.js';
import { type Deps, defaultDeps } from './deps.js';

/** The `time` of a Scheduled Event; undefined when it has none that parses. */
export const scheduledTimeOf = (event: unknown): Date | undefined => {
  const time = (event as { time?: unknown } | null)?.time;
  const at = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  return Number.isNaN(at) ? undefined : new Date(at);
};

/**
 * The sweep handler: one call of the use case, with the invocation's context on every log line; the
 * cancellations it committed are counted even when the sweep fails on another order.
 */
export const makeHandler =
  (deps: Deps, options: SweepOptions = {}) =>
  async (event: unknown, context: Context): Promise<SweepSummary> => {
    deps.logger.addContext(context);
    try {
      return await sweepDeadlines(deps, options, scheduledTimeOf(event) ?? deps.now());
    } finally {
      deps.metrics.flush();
    }
  };

/** The Lambda entry point, wired to the function's environment. */
export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
