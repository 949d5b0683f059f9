import { OrderCancelled } from '../../../shared/events/index.js';
import { createConsumer, onFirstInvocation } from '../../../shared/lambda.js';
import { releaseStock } from '../inventory-service.js';
import { type Deps, defaultDeps } from './deps.js';

/** OrderCancelled -> release the order's reservation (InventoryReleased), or leave a tombstone. */
export const makeHandler = (deps: Deps) =>
  createConsumer({
    consumes: OrderCancelled,
    logger: deps.logger,
    metrics: deps.metrics,
    persistenceStore: deps.persistenceStore,
    handle: (detail) => releaseStock(deps, detail),
  });

export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
