/** The order service wired to DynamoDB Local and the test bus, with a clock the test controls. */
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createOrderRepository } from '../../../services/order/adapters/order-repository.js';
import type { Deps } from '../../../services/order/handlers/deps.js';
import { Sources } from '../../../shared/events/index.js';
import { createPublisher } from '../../../shared/publisher.js';
import { createTables, localDynamo } from '../../support/aws.js';
import { startTestBus, TEST_BUS } from '../../support/bus.js';
import { manualClock } from './events.js';
import { recordingMetrics } from './metrics.js';

/** The name of the failing middleware `failNextPutEvents` adds. */
const FAIL_PUT_EVENTS = 'failNextPutEvents';

/** Fresh tables, a fresh bus and the order service's dependencies on them. Call `close()` after the tests. */
export const orderTestbed = async () => {
  const { client, documentClient } = localDynamo();
  const tables = await createTables(client, ['orders', 'idempotency']);
  const bus = await startTestBus();
  const clock = manualClock();
  const logger = new Logger({ serviceName: 'order', logLevel: 'SILENT' });
  const repository = createOrderRepository({ documentClient, tableName: tables.orders });
  const metrics = recordingMetrics();
  const deps: Deps = {
    repository,
    publisher: createPublisher({
      client: bus.client,
      eventBusName: TEST_BUS,
      source: Sources.orders,
      sleep: async () => undefined,
    }),
    logger,
    metrics: metrics.metrics,
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: tables.idempotency, awsSdkV3Client: client }),
    now: clock.now,
    deadlineSeconds: 900,
  };
  const scan = async (tableName: string) =>
    (await documentClient.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }))).Items ?? [];
  return {
    deps,
    /** The business metrics the service recorded. */
    metrics,
    bus,
    clock,
    logger,
    repository,
    tables,
    documentClient,
    /** Every item of a table (a test may scan; the service never does). */
    scan,
    /** The published details of one detail-type for one order. */
    publishedFor: (detailType: string, orderId: string) =>
      bus.published(detailType).filter((detail) => (detail as { orderId?: string }).orderId === orderId),
    /** Makes the next PutEvents call fail as a network error would, after the state was committed. */
    failNextPutEvents: () => {
      let failed = false;
      bus.client.middlewareStack.remove(FAIL_PUT_EVENTS);
      bus.client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'PutEventsCommand' && !failed) {
            failed = true;
            throw new Error('EventBridge unreachable (injected)');
          }
          return next(args);
        },
        { step: 'initialize', name: FAIL_PUT_EVENTS },
      );
    },
    close: async () => {
      await bus.close();
      client.destroy();
    },
  };
};

export type OrderTestbed = Awaited<ReturnType<typeof orderTestbed>>;
