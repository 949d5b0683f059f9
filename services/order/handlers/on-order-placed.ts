import { OrderPlaced } from '../../../shared/events/index.js';
import { createConsumer, onFirstInvocation } from '../../../shared/lambda.js';
import { applyFact } from '../order-service.js';
import { type Deps, defaultDeps } from './deps.js';

/** Records the order: PENDING, or CANCELLED at once when it is rejected (or its outcome is already known). */
export const makeHandler = (deps: Deps) =>
  createConsumer({
    consumes: OrderPlaced,
    logger: deps.logger,
    metrics: deps.metrics,
    persistenceStore: deps.persistenceStore,
    // A new order's deadline counts from the time the bus accepted its first fact.
    handle: async (detail, { time }) => {
      await applyFact(deps, { type: OrderPlaced.detailType, detail }, time);
    },
  });

/** The Lambda entry point, wired to the function's environment. */
export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
