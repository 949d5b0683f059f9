import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { EnvNames } from '../../shared/config.js';
import {
  InventoryReservationFailed,
  InventoryReserved,
  OrderPlaced,
  PaymentFailed,
  Sources,
} from '../../shared/events/index.js';
import { TableSpecs } from '../tables.js';
import { type DynamoDbAction, SagaFunction } from './saga-function.js';
import { SagaTable } from './saga-table.js';
import { idempotencyTableOf, type Service, type ServiceProps } from './service.js';

export type OrderServiceProps = ServiceProps & {
  /** How long an order may stay PENDING before the sweep cancels it (ORDER_DEADLINE_SECONDS). */
  deadlineSeconds: number;
};

/** What the order repository does: a consistent read, a versioned conditional put, the publish mark. */
const ORDER_ACTIONS: DynamoDbAction[] = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

/**
 * The order service: the orders table, one handler per event it reacts to (each with the rule that feeds
 * it), and the deadline sweep that cancels what stayed PENDING too long (DESIGN rule 7).
 */
export class OrderService extends Construct implements Service {
  readonly table: SagaTable;
  readonly tables: { orders: SagaTable; orderIdempotency: SagaTable };
  readonly functions: SagaFunction[] = [];

  constructor(scope: Construct, id: string, props: OrderServiceProps) {
    super(scope, id);
    const { bus, tableName, removalPolicy, deadlineSeconds } = props;
    this.table = new SagaTable(this, 'OrdersTable', {
      spec: TableSpecs.orders,
      tableName: tableName('orders'),
      removalPolicy,
    });
    const idempotencyTable = idempotencyTableOf(this, 'order', props);
    this.tables = { orders: this.table, orderIdempotency: idempotencyTable };

    const handler = (id: string, file: string, consumesEvents: boolean) => {
      const fn = new SagaFunction(this, id, {
        service: 'order',
        entry: `services/order/handlers/${file}`,
        bus,
        source: Sources.orders,
        ...(consumesEvents ? { idempotencyTable } : {}),
        environment: {
          [EnvNames.ordersTable]: this.table.tableName,
          [EnvNames.orderDeadlineSeconds]: String(deadlineSeconds),
        },
        removalPolicy,
        ...(consumesEvents ? {} : { timeout: Duration.seconds(60), maxEventAge: Duration.minutes(5) }),
      });
      fn.grantTable(this.table, ORDER_ACTIONS);
      this.functions.push(fn);
      return fn;
    };

    // Records the order as PENDING, or cancels it at once when it is rejected.
    handler('OnOrderPlaced', 'on-order-placed.ts', true).consume(OrderPlaced);
    // A declined charge cancels the order.
    handler('OnPaymentFailed', 'on-payment-failed.ts', true).consume(PaymentFailed);
    // Stock reserved for a paid order: the saga commits.
    handler('OnInventoryReserved', 'on-inventory-reserved.ts', true).consume(InventoryReserved);
    // Out of stock: the order is cancelled and the charge compensated.
    handler('OnInventoryReservationFailed', 'on-inventory-reservation-failed.ts', true).consume(
      InventoryReservationFailed,
    );

    // No order waits forever: every minute, cancel the open orders past their deadline. It consumes no event
    // of the contract, so it has no idempotency record: each of its writes is conditional on its own.
    const sweep = handler('OnDeadline', 'on-deadline.ts', false);
    const [openByDeadline] = TableSpecs.orders.globalSecondaryIndexes;
    sweep.grantQuery(this.table, openByDeadline.indexName);
    sweep.runOnSchedule(
      events.Schedule.rate(Duration.minutes(1)),
      'Every minute: cancel the orders still open past their deadline',
    );
  }
}
