/**
 * The notification service's composition root: the one place that builds its real adapters. Handlers take a
 * `Deps`; tests build one with a recording notifier and an idempotency table of their own.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { BusinessMetrics } from '../../../shared/business-metrics.js';
import { createLogger } from '../../../shared/lambda.js';
import { loggingNotifier, type Notifier } from '../notification.js';

export type Deps = {
  logger: Logger;
  metrics: BusinessMetrics;
  notifier: Notifier;
  /** Powertools idempotency records; the stack's table (IDEMPOTENCY_TABLE) when absent. */
  persistenceStore?: BasePersistenceLayer;
};

/** The service records no business metric of the saga's: its consumers' funnel is the order's. */
const NO_METRICS: BusinessMetrics = { add: () => undefined, flush: () => undefined };

/** The real dependencies of the function's environment. */
export const defaultDeps = (): Deps => {
  const logger = createLogger('notification');
  return { logger, metrics: NO_METRICS, notifier: loggingNotifier(logger) };
};
