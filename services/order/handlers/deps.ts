/**
 * The order service's composition root: the one place that builds its real adapters from the function's
 * environment. Handlers take a `Deps`; tests build one on DynamoDB Local and a test bus instead.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { createBusinessMetrics } from '../../../shared/business-metrics.js';
import { documentClient, eventBridgeClient } from '../../../shared/clients.js';
import { EnvNames, requireEnv } from '../../../shared/config.js';
import { Sources } from '../../../shared/events/index.js';
import { createLogger } from '../../../shared/lambda.js';
import { createPublisher } from '../../../shared/publisher.js';
import { createOrderRepository } from '../adapters/order-repository.js';
import { DEFAULT_DEADLINE_SECONDS } from '../domain/order.js';
import type { ServiceDeps } from '../order-service.js';

/** What the order handlers need: the use cases' dependencies, plus the idempotency store of a consumer. */
export type Deps = ServiceDeps & {
  /** Powertools idempotency records; the stack's table (IDEMPOTENCY_TABLE) when absent. */
  persistenceStore?: BasePersistenceLayer;
};

/** The order deadline from ORDER_DEADLINE_SECONDS (default 900); anything but a positive integer fails loudly. */
export const deadlineSecondsFrom = (env: NodeJS.ProcessEnv = process.env): number => {
  const text = env[EnvNames.orderDeadlineSeconds];
  if (text === undefined || text === '') return DEFAULT_DEADLINE_SECONDS;
  const seconds = Number(text);
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new Error(`${EnvNames.orderDeadlineSeconds} must be a positive integer of seconds, got "${text}"`);
  }
  return seconds;
};

/**
 * The real dependencies, from the function's environment (ORDERS_TABLE, EVENT_BUS_NAME,
 * ORDER_DEADLINE_SECONDS). The idempotency store is left to createConsumer's default (IDEMPOTENCY_TABLE),
 * so the deadline sweep, which consumes no event, does not need that table.
 */
export const defaultDeps = (env: NodeJS.ProcessEnv = process.env): Deps => ({
  repository: createOrderRepository({ documentClient, tableName: requireEnv(EnvNames.ordersTable, env) }),
  publisher: createPublisher({
    client: eventBridgeClient,
    eventBusName: requireEnv(EnvNames.eventBusName, env),
    source: Sources.orders,
  }),
  logger: createLogger('order'),
  metrics: createBusinessMetrics('order'),
  now: () => new Date(),
  deadlineSeconds: deadlineSecondsFrom(env),
});
