import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../../shared/clients.js';
import { EnvNames, requireEnv } from '../../../shared/config.js';
import { Sources } from '../../../shared/events/index.js';
import { createLogger } from '../../../shared/lambda.js';
import { createPublisher } from '../../../shared/publisher.js';
import { createInventoryRepository } from '../adapters/inventory-repository.js';
import type { InventoryServiceDeps } from '../inventory-service.js';

/** What the inventory handlers need: the service's dependencies, its logger and the idempotency store. */
export type Deps = InventoryServiceDeps & {
  logger: Logger;
  /** Powertools idempotency records; the stack's table (IDEMPOTENCY_TABLE) when absent. */
  persistenceStore?: BasePersistenceLayer;
};

/** The real dependencies, from the function's environment (INVENTORY_TABLE, EVENT_BUS_NAME). */
export const defaultDeps = (): Deps => ({
  inventory: createInventoryRepository({ documentClient, tableName: requireEnv(EnvNames.inventoryTable) }),
  publisher: createPublisher({
    client: eventBridgeClient,
    eventBusName: requireEnv(EnvNames.eventBusName),
    source: Sources.inventory,
  }),
  logger: createLogger('inventory'),
});
