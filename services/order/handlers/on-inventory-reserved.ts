import { InventoryReserved } from '../../../shared/events/index.js';
import { createConsumer, onFirstInvocation } from '../../../shared/lambda.js';
import { applyFact } from '../order-service.js';
import { type Deps, defaultDeps } from './deps.js';

/** Confirms the order once the order is known and its stock is reserved. */
export const makeHandler = (deps: Deps) =>
  createConsumer({
    consumes: InventoryReserved,
    logger: deps.logger,
    metrics: deps.metrics,
    persistenceStore: deps.persistenceStore,
    // A new order's deadline counts from the time the bus accepted its first fact.
    handle: async (detail, { time }) => {
      await applyFact(deps, { type: InventoryReserved.detailType, detail }, time);
    },
  });

/** The Lambda entry point, wired to the function's environment. */
export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
