/**
 * The payment service's composition root: the one place that builds its real adapters. Handlers take a
 * `Deps`; tests build one with `createDeps` on DynamoDB Local and a test bus.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type BusinessMetrics, createBusinessMetrics } from '../../../shared/business-metrics.js';
import { documentClient, eventBridgeClient } from '../../../shared/clients.js';
import { EnvNames, requireEnv } from '../../../shared/config.js';
import { Sources } from '../../../shared/events/index.js';
import { createLogger } from '../../../shared/lambda.js';
import { MetricService } from '../../../shared/metrics.js';
import { createPublisher } from '../../../shared/publisher.js';
import { createPaymentRepository } from '../adapters/payment-repository.js';
import { createSimulatedGateway } from '../adapters/simulated-gateway.js';
import type { ServiceDeps } from '../payment-service.js';

/** What the payment handlers need: the use cases' dependencies, plus the idempotency store of a consumer. */
export type Deps = ServiceDeps & {
  /** Powertools idempotency records; the stack's table (IDEMPOTENCY_TABLE) when absent. */
  persistenceStore?: BasePersistenceLayer;
};

/** The service's name in its logs. */
export const SERVICE_NAME = MetricService.payment;

/** Where the payment service's dependencies live: clients, the bus, the two tables and the idempotency store. */
export type DepsOptions = {
  documentClient: DynamoDBDocumentClient;
  eventBridgeClient: EventBridgeClient;
  eventBusName: string;
  paymentsTable: string;
  paymentGatewayTable: string;
  persistenceStore?: BasePersistenceLayer;
  logger?: Logger;
  /** The business metrics; Powertools Metrics (EMF on stdout) when absent. */
  metrics?: BusinessMetrics;
  now?: () => Date;
};

/** Builds the handlers' dependencies from clients and table names. */
export const createDeps = (options: DepsOptions): Deps => ({
  repository: createPaymentRepository({
    documentClient: options.documentClient,
    tableName: options.paymentsTable,
  }),
  gateway: createSimulatedGateway({
    documentClient: options.documentClient,
    tableName: options.paymentGatewayTable,
  }),
  publisher: createPublisher({
    client: options.eventBridgeClient,
    eventBusName: options.eventBusName,
    source: Sources.payments,
  }),
  logger: options.logger ?? createLogger(SERVICE_NAME),
  metrics: options.metrics ?? createBusinessMetrics(SERVICE_NAME),
  ...(options.persistenceStore ? { persistenceStore: options.persistenceStore } : {}),
  now: options.now ?? (() => new Date()),
});

/** The real dependencies: the default clients, and the bus and tables the function's environment names. */
export const defaultDeps = (env: NodeJS.ProcessEnv = process.env): Deps =>
  createDeps({
    documentClient,
    eventBridgeClient,
    eventBusName: requireEnv(EnvNames.eventBusName, env),
    paymentsTable: requireEnv(EnvNames.paymentsTable, env),
    paymentGatewayTable: requireEnv(EnvNames.paymentGatewayTable, env),
  });
