import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createInventoryRepository } from '../../../services/inventory/adapters/inventory-repository.js';
import type { Deps } from '../../../services/inventory/handlers/deps.js';
import { Sources } from '../../../shared/events/index.js';
import { createPublisher } from '../../../shared/publisher.js';
import { createTables, localDynamo } from '../../support/aws.js';
import { startTestBus, TEST_BUS } from '../../support/bus.js';
import { silentLogger } from './inventory.js';
import { recordingMetrics } from './metrics.js';

export type Tables = { inventory: string; idempotency: string };

/** Fresh inventory and idempotency tables in DynamoDB Local. */
export const createHandlerTables = async (): Promise<Tables> =>
  createTables(localDynamo().client, ['inventory', 'idempotency']);

/** A test bus and the handlers' dependencies on the given tables: the real repository, publisher and idempotency. */
export const startHandlerWorld = async (tables: Tables) => {
  const { client, documentClient } = localDynamo();
  const bus = await startTestBus();
  const logger = silentLogger();
  const metrics = recordingMetrics();
  const deps: Deps = {
    repository: createInventoryRepository({ documentClient, tableName: tables.inventory }),
    publisher: createPublisher({
      client: bus.client,
      eventBusName: TEST_BUS,
      source: Sources.inventory,
      backoffMs: 1,
    }),
    logger,
    metrics: metrics.metrics,
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: tables.idempotency, awsSdkV3Client: client }),
    now: () => new Date(),
  };
  return { bus, deps, logger, metrics, documentClient, tables };
};

/** Makes the client's first PutEvents fail before it reaches the bus, as an EventBridge outage would. */
export const failFirstPutEvents = (client: EventBridgeClient) => {
  let failed = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!failed && context.commandName === 'PutEventsCommand') {
        failed = true;
        throw Object.assign(new Error('EventBridge is unavailable (injected)'), {
          name: 'InternalException',
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'failFirstPutEvents' },
  );
};

/** Every item of both tables, to show that something changed nothing. */
export const snapshot = async (world: Awaited<ReturnType<typeof startHandlerWorld>>) => {
  const scan = async (TableName: string) =>
    (await world.documentClient.send(new ScanCommand({ TableName, ConsistentRead: true }))).Items ?? [];
  return { inventory: await scan(world.tables.inventory), idempotency: await scan(world.tables.idempotency) };
};
