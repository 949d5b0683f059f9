import { PaymentProcessed } from '../../../shared/events/index.js';
import { createConsumer, onFirstInvocation } from '../../../shared/lambda.js';
import { reserveStock } from '../inventory-service.js';
import { type Deps, defaultDeps } from './deps.js';

/** PaymentProcessed -> reserve every line of the order, or none (InventoryReserved / InventoryReservationFailed). */
export const makeHandler = (deps: Deps) =>
  createConsumer({
    consumes: PaymentProcessed,
    logger: deps.logger,
    metrics: deps.metrics,
    persistenceStore: deps.persistenceStore,
    handle: (detail) => reserveStock(deps, detail),
  });

export const handler = onFirstInvocation(() => makeHandler(defaultDeps()));
