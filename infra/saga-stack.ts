import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { OrderPlaced } from '../shared/events/index.js';
import { DeadLetterQueue } from './constructs/dead-letter-queue.js';
import { SagaEventBus } from './constructs/event-bus.js';
import { InventoryService } from './constructs/inventory-service.js';
import { Operations } from './constructs/operations.js';
import { OrderService } from './constructs/order-service.js';
import { PaymentService } from './constructs/payment-service.js';
import { SagaAudit } from './constructs/saga-audit.js';
import type { SagaTable } from './constructs/saga-table.js';
import { SagaSchemaRegistry } from './constructs/schema-registry.js';
import { StorefrontAccess } from './constructs/storefront-access.js';
import type { StackTableName } from './tables.js';

/** The context values the stack reads (`cdk.json`, or `-c name=value`). */
export const ContextKeys = {
  /** `retain` (default) or `destroy`: what happens to tables, queues and logs when the stack is deleted. */
  removalPolicy: 'removalPolicy',
  /** Seconds an order may stay PENDING before the deadline sweep cancels it (default 900). */
  orderDeadlineSeconds: 'orderDeadlineSeconds',
  /** An e-mail address the alarm topic notifies (absent: no subscription; subscribe later). */
  alarmEmail: 'alarmEmail',
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

const alarmEmailFrom = (value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
    throw new Error(
      `Context ${ContextKeys.alarmEmail} must be an e-mail address, got ${JSON.stringify(value)}`,
    );
  }
  return value;
};

/** `orders` -> `OrdersTableName`: the stack output that names a table. */
const tableOutputId = (name: StackTableName) => `${name[0]?.toUpperCase()}${name.slice(1)}TableName`;

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
    const services = { bus, removalPolicy };
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
    const storefront = new StorefrontAccess(this, 'Storefront', { bus });
    new SagaSchemaRegistry(this, 'Schemas');
    // Last: it watches every DLQ, function and rule built above.
    const operations = new Operations(this, 'Operations', {
      bus,
      audit,
      alarmEmail: alarmEmailFrom(this.node.tryGetContext(ContextKeys.alarmEmail)),
      removalPolicy,
    });

    new CfnOutput(this, 'EventBusName', {
      value: bus.eventBusName,
      description:
        'The saga bus: as the storefront role, aws events put-events --entries file://test/payloads/<payload>.json',
    });
    new CfnOutput(this, 'StorefrontPolicyArn', {
      value: storefront.policy.managedPolicyArn,
      description: `Attach to what places orders: it may put ${OrderPlaced.detailType} on the saga bus, and nothing else`,
    });
    // Its name, not its ARN: the local runtime resolves a role's Ref (its logical id) but models no role ARN.
    new CfnOutput(this, 'StorefrontRoleName', {
      value: storefront.role.roleName,
      description: `Assume to place orders: the principal the bus accepts ${OrderPlaced.detailType} from`,
    });
    new CfnOutput(this, 'EventBusArn', { value: bus.eventBusArn });
    new CfnOutput(this, 'ArchiveName', {
      value: bus.archive.archiveName,
      description: 'The archive of every event, for aws events start-replay (README, Operate on AWS)',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: operations.topic.topicArn,
      description:
        'Every alarm notifies it: aws sns subscribe --protocol email --notification-endpoint <you>',
    });
    new CfnOutput(this, 'DashboardName', { value: operations.dashboard.dashboardName });
    const tables: Record<StackTableName, SagaTable> = {
      ...order.tables,
      ...payment.tables,
      ...inventory.tables,
      audit: audit.table,
    };
    for (const [name, table] of Object.entries(tables) as [StackTableName, SagaTable][]) {
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
