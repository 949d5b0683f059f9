import { OrderConfirmed } from '../../../shared/events/index.js';
import { createConsumer, onFirstInvocation } from '../../../shared/lambda.js';
import { confirmationOf } from '../notification.js';
import { type Deps, defaultDeps } from './deps.js';

/** OrderConfirmed -> tell the customer, once however often the fact is delivered. */
export const makeHandler = (deps: Deps) =>
  createConsumer({
    consumes: OrderConfirmed,
    logger: deps.logger,
    metrics: deps.metrics,
    persistenceStore: deps.persistenceStore,
    handle: (confirmed) => deps.notifier.send(confirmationOf(confirmed)),
  });

/** The Lambda entry, with the real dependencies of the function's environment. */
export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
