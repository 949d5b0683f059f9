import { OrderPlaced } from '../../../shared/events/index.js';
import { createConsumer, onFirstInvocation } from '../../../shared/lambda.js';
import { chargePayment } from '../payment-service.js';
import { type Deps, defaultDeps } from './deps.js';

/** OrderPlaced -> charge the card once, then PaymentProcessed (items carried on) or PaymentFailed. */
export const makeHandler = (deps: Deps) =>
  createConsumer({
    consumes: OrderPlaced,
    logger: deps.logger,
    metrics: deps.metrics,
    persistenceStore: deps.persistenceStore,
    handle: (order) => chargePayment(deps, order),
  });

/** The Lambda entry, with the real dependencies of the function's environment. */
export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
