/**
 * The deadline sweep's entry, run by a schedule (EventBridge Scheduler or a rate rule). The use case is
 * the order service's `sweepDeadlines`; the schedule's event is not read (the time is the function's clock).
 */
import type { Context } from 'aws-lambda';
import { onFirstInvocation } from '../../../shared/lambda.js';
import { type SweepOptions, type SweepSummary, sweepDeadlines } from '../order-service.js';
import { type Deps, defaultDeps } from './deps.js';

/** The sweep handler: one call of the use case, with the invocation's context on every log line. */
export const makeHandler =
  (deps: Deps, options: SweepOptions = {}) =>
  (_event: unknown, context: Context): Promise<SweepSummary> => {
    deps.logger.addContext(context);
    return sweepDeadlines(deps, options);
  };

/** The Lambda entry point, wired to the function's environment. */
export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
