import { OrderCancelled } from '../../../shared/events/index.js';
import { createConsumer, onFirstInvocation } from '../../../shared/lambda.js';
import { refundPayment } from '../payment-service.js';
import { type Deps, defaultDeps } from './deps.js';

/** OrderCancelled -> refund the charge (PaymentRefunded), or void the payment (PaymentVoided): nothing was charged, a tombstone if nothing was tried yet. */
export const makeHandler = (deps: Deps) =>
  createConsumer({
    consumes: OrderCancelled,
    logger: deps.logger,
    metrics: deps.metrics,
    persistenceStore: deps.persistenceStore,
    handle: (cancellation) => refundPayment(deps, cancellation),
  });

/** The Lambda entry, with the real dependencies of the function's environment. */
export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
