import { OrderCancelled } from '../../../shared/events/index.js';
import { createConsumer, onFirstInvocation } from '../../../shared/lambda.js';
import { cancellationOf } from '../notification.js';
import { type Deps, defaultDeps } from './deps.js';

/** OrderCancelled -> tell the customer why, once however often the fact is delivered. */
export const makeHandler = (deps: Deps) =>
  createConsumer({
    consumes: OrderCancelled,
    logger: deps.logger,
    metrics: deps.metrics,
    persistenceStore: deps.persistenceStore,
    handle: (cancelled) => deps.notifier.send(cancellationOf(cancelled)),
  });

/** The Lambda entry, with the real dependencies of the function's environment. */
export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
