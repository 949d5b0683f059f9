import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createPaymentRepository } from '../../../services/payment/adapters/payment-repository.js';
import {
  createSimulatedGateway,
  type SimulatedGateway,
} from '../../../services/payment/adapters/simulated-gateway.js';
import { createDeps } from '../../../services/payment/handlers/deps.js';
import { makeHandler as makeOnOrderCancelled } from '../../../services/payment/handlers/on-order-cancelled.js';
import { makeHandler as makeOnOrderPlaced } from '../../../services/payment/handlers/on-order-placed.js';
import type { AnyEventDefinition, OrderCancelled, OrderPlaced } from '../../../shared/events/index.js';
import { createTables, localDynamo } from '../../support/aws.js';
import { startTestBus, TEST_BUS } from '../../support/bus.js';
import { recordingMetrics } from './metrics.js';
import { type Delivery, lambdaContext, RecordingLogger } from './payment-fixtures.js';

/**
 * The payment handlers wired as the stack wires them, on DynamoDB Local tables of their own and the local
 * test bus: a real idempotency table, the simulated provider's ledger, and every event that was published.
 */
export const startPaymentHarness = async () => {
  const { client, documentClient } = localDynamo();
  const tables = await createTables(client, ['payments', 'paymentGateway', 'idempotency']);
  const bus = await startTestBus();
  const logger = new RecordingLogger();
  const metrics = recordingMetrics();
  const deps = createDeps({
    documentClient,
    eventBridgeClient: bus.client,
    eventBusName: TEST_BUS,
    paymentsTable: tables.payments,
    paymentGatewayTable: tables.paymentGateway,
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: tables.idempotency, awsSdkV3Client: client }),
    logger,
    metrics: metrics.metrics,
  });
  const onOrderPlaced = makeOnOrderPlaced(deps);
  const onOrderCancelled = makeOnOrderCancelled(deps);

  return {
    logger,
    /** The business metrics the service recorded. */
    metrics,
    /** The provider's ledger, read through a second instance on the same table. */
    gateway: createSimulatedGateway({ documentClient, tableName: tables.paymentGateway }) as SimulatedGateway,
    payments: createPaymentRepository({ documentClient, tableName: tables.payments }),
    eventBridgeClient: bus.client,
    /** One delivery of OrderPlaced to the payment service's handler. */
    deliverOrderPlaced: (delivery: Delivery<OrderPlaced> | unknown) =>
      onOrderPlaced(delivery, lambdaContext('payment-on-order-placed')),
    /** One delivery of OrderCancelled to the payment service's handler. */
    deliverOrderCancelled: (delivery: Delivery<OrderCancelled> | unknown) =>
      onOrderCancelled(delivery, lambdaContext('payment-on-order-cancelled')),
    /** The details of the events of one order published with the given definition, in order. */
    published: (definition: AnyEventDefinition, orderId: string) =>
      bus.published(definition.detailType).filter((detail) => detail.orderId === orderId),
    /** How many items each of the service's tables holds. */
    itemCounts: async () =>
      Object.fromEntries(
        await Promise.all(
          Object.entries(tables).map(async ([name, tableName]) => {
            const { Count } = await client.send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }));
            return [name, Count] as const;
          }),
        ),
      ),
    close: () => bus.close(),
  };
};

export type PaymentHarness = Awaited<ReturnType<typeof startPaymentHarness>>;

/**
 * Makes the client's first PutEvents fail as a network error would, after the state was committed.
 * Returns the function that removes the fault.
 */
export const failFirstPutEvents = (client: EventBridgeClient): (() => void) => {
  const name = 'failFirstPutEvents';
  let failed = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!failed && context.commandName === 'PutEventsCommand') {
        failed = true;
        throw Object.assign(new Error('Injected fault: EventBridge unreachable'), { name: 'InjectedFault' });
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return () => {
    client.middlewareStack.remove(name);
  };
};
