import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DeadLetterQueue } from './constructs/dead-letter-queue.js';
import { SagaEventBus } from './constructs/event-bus.js';
import { InventoryService } from './constructs/inventory-service.js';
import { OrderService } from './constructs/order-service.js';
import { PaymentService } from './constructs/payment-service.js';
import { SagaAudit } from './constructs/saga-audit.js';
import { SagaTable } from './constructs/saga-table.js';
import { SagaSchemaRegistry } from './constructs/schema-registry.js';
import { StorefrontApi } from './constructs/storefront-api.js';
import { type TableName, TableSpecs } from './tables.js';

/** The context values the stack reads (`cdk.json`, or `-c name=value`). */
export const ContextKeys = {
  /** `retain` (default) or `destroy`: what happens to tables, queues and logs when the stack is deleted. */
  removalPolicy: 'removalPolicy',
  /** Seconds an order may stay PENDING before the deadline sweep cancels it (default 900). */
  orderDeadlineSeconds: 'orderDeadlineSeconds',
} as const;

export const DEFAULT_ORDER_DEADLINE_SECONDS = 900;

const removalPolicyFrom = (value: unknown): RemovalPolicy => {
  if (value === undefined || value === 'retain') return RemovalPolicy.RETAIN;
  if (value === 'destroy') return RemovalPolicy.DESTROY;
  throw new Error(
    `Context ${ContextKeys.removalPolicy} must be "retain" or "destroy", got ${JSON.stringify(value)}`,
  );
};

const deadlineSecondsFrom = (value: unknown): number => {
  if (value === undefined) return DEFAULT_ORDER_DEADLINE_SECONDS;
  const seconds = Number(value);
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new Error(
      `Context ${ContextKeys.orderDeadlineSeconds} must be a positive integer of seconds, got ${JSON.stringify(value)}`,
    );
  }
  return seconds;
};

/** `orders` -> `OrdersTableName`: the stack output that names a table. */
const tableOutputId = (name: TableName) => `${name[0]?.toUpperCase()}${name.slice(1)}TableName`;

/**
 * The order saga: one bus, the three services that choreograph the saga on it, the audit that checks each
 * saga once it ended, and the schema registry of the contract. It only composes constructs.
 */
export class SagaStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, {
      description:
        'An order saga choreographed on Amazon EventBridge (order, payment, inventory) and its audit',
      analyticsReporting: false,
      ...props,
    });
    const removalPolicy = removalPolicyFrom(this.node.tryGetContext(ContextKeys.removalPolicy));
    const deadlineSeconds = deadlineSecondsFrom(this.node.tryGetContext(ContextKeys.orderDeadlineSeconds));

    const bus = new SagaEventBus(this, 'EventBus', { removalPolicy });
    const idempotencyTable = new SagaTable(this, 'IdempotencyTable', {
      spec: TableSpecs.idempotency,
      removalPolicy,
    });
    const services = { bus, idempotencyTable, removalPolicy };
    const order = new OrderService(this, 'Order', { ...services, deadlineSeconds });
    const payment = new PaymentService(this, 'Payment', services);
    const inventory = new InventoryService(this, 'Inventory', services);
    const audit = new SagaAudit(this, 'Audit', {
      bus,
      orders: order.table,
      payments: payment.table,
      inventory: inventory.table,
      removalPolicy,
    });
    new SagaSchemaRegistry(this, 'Schemas');
    const storefront = new StorefrontApi(this, 'Storefront', {
      bus,
      orders: order.table,
      idempotencyTable,
      removalPolicy,
    });

    new CfnOutput(this, 'EventBusName', {
      value: bus.eventBusName,
      description: 'The saga bus: aws events put-events --entries file://test/payloads/<payload>.json',
    });
    new CfnOutput(this, 'EventBusArn', { value: bus.eventBusArn });
    new CfnOutput(this, 'StorefrontApiUrl', {
      value: storefront.url,
      description: 'The storefront HTTP API (IAM-authorized): POST /orders, GET /orders/{orderId}',
    });
    const tables: Record<TableName, SagaTable> = {
      ...order.tables,
      ...payment.tables,
      ...inventory.tables,
      idempotency: idempotencyTable,
      audit: audit.table,
    };
    for (const [name, table] of Object.entries(tables) as [TableName, SagaTable][]) {
      new CfnOutput(this, tableOutputId(name), { value: table.tableName, description: `The ${name} table` });
    }
    new CfnOutput(this, 'AuditStateMachineArn', {
      value: audit.stateMachine.stateMachineArn,
      description:
        'The saga audit (Express): its executions log to CloudWatch, its verdicts go to the audit table',
    });
    for (const queue of this.node
      .findAll()
      .filter((c): c is DeadLetterQueue => c instanceof DeadLetterQueue)) {
      const path = queue.node.path.split('/').slice(1).join('');
      new CfnOutput(this, `${path}Url`, { value: queue.queueUrl, description: `DLQ: ${queue.purpose}` });
    }
  }
}
