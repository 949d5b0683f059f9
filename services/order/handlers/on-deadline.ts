/**
 * The deadline sweep's entry, run by a schedule (EventBridge Scheduler or a rate rule). The use case is
 * the order service's `sweepDeadlines`; the schedule's event is not read (the time is the function's clock).
 */
import type { Context } from 'aws-lambda';
import { onFirstInvocation } from '../../../shared/lambda.js';
import { type SweepOptions, type SweepSummary, sweepDeadlines } from '../order-service.js';
import { type Deps, defaultDeps } from './deps.js';

/**
 * The sweep handler: one call of the use case, with the invocation's context on every log line; the
 * cancellations it committed are counted even when the sweep fails on another order.
 */
export const makeHandler =
  (deps: Deps, options: SweepOptions = {}) =>
  async (_event: unknown, context: Context): Promise<SweepSummary> => {
    deps.logger.addContext(context);
    try {
      return await sweepDeadlines(deps, options);
    } finally {
      deps.metrics.flush();
    }
  };

/** The Lambda entry point, wired to the function's environment. */
export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
