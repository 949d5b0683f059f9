import { PaymentFailed } from '../../../shared/events/index.js';
import { createConsumer, onFirstInvocation } from '../../../shared/lambda.js';
import { applyFact } from '../order-service.js';
import { type Deps, defaultDeps } from './deps.js';

/** Cancels the order with PAYMENT_FAILED once the order is known. */
export const makeHandler = (deps: Deps) =>
  createConsumer({
    consumes: PaymentFailed,
    logger: deps.logger,
    metrics: deps.metrics,
    persistenceStore: deps.persistenceStore,
    // A new order's deadline counts from the time the bus accepted its first fact.
    handle: async (detail, { time }) => {
      await applyFact(deps, { type: PaymentFailed.detailType, detail }, time);
    },
  });

/** The Lambda entry point, wired to the function's environment. */
export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
