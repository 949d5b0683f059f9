/**
 * The inventory service's composition root: the one place that builds its real adapters from the
 * function's environment. Handlers take a `Deps`; tests build one on DynamoDB Local and a test bus instead.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { createBusinessMetrics } from '../../../shared/business-metrics.js';
import { documentClient, eventBridgeClient } from '../../../shared/clients.js';
import { EnvNames, requireEnv } from '../../../shared/config.js';
import { Sources } from '../../../shared/events/index.js';
import { createLogger } from '../../../shared/lambda.js';
import { createPublisher } from '../../../shared/publisher.js';
import { createInventoryRepository } from '../adapters/inventory-repository.js';
import type { ServiceDeps } from '../inventory-service.js';

/** What the inventory handlers need: the use cases' dependencies, plus the idempotency store of a consumer. */
export type Deps = ServiceDeps & {
  /** Powertools idempotency records; the stack's table (IDEMPOTENCY_TABLE) when absent. */
  persistenceStore?: BasePersistenceLayer;
};

/** The real dependencies, from the function's environment (INVENTORY_TABLE, EVENT_BUS_NAME). */
export const defaultDeps = (env: NodeJS.ProcessEnv = process.env): Deps => ({
  repository: createInventoryRepository({
    documentClient,
    tableName: requireEnv(EnvNames.inventoryTable, env),
  }),
  publisher: createPublisher({
    client: eventBridgeClient,
    eventBusName: requireEnv(EnvNames.eventBusName, env),
    source: Sources.inventory,
  }),
  logger: createLogger('inventory'),
  metrics: createBusinessMetrics('inventory'),
  now: () => new Date(),
});
