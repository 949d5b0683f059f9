import { Construct } from 'constructs';
import { EnvNames } from '../../shared/config.js';
import { OrderCancelled, OrderPlaced, Sources } from '../../shared/events/index.js';
import { TableSpecs } from '../tables.js';
import { type DynamoDbAction, SagaFunction } from './saga-function.js';
import { SagaTable } from './saga-table.js';
import { idempotencyTableOf, type Service, type ServiceProps } from './service.js';

/** What the payment repository does: a consistent read, and conditional puts (charge, refund, tombstone). */
const PAYMENT_ACTIONS: DynamoDbAction[] = ['dynamodb:GetItem', 'dynamodb:PutItem'];

/**
 * What the simulated gateway does with its ledger: reads, a key's first charge created in one conditional
 * put, and atomic updates (charges, refunds, counters).
 */
const GATEWAY_ACTIONS: DynamoDbAction[] = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

/**
 * The payment service: the payments table, the simulated gateway's ledger (an external system's state,
 * kept in its own table), and one handler per event it reacts to, each with the rule that feeds it.
 */
export class PaymentService extends Construct implements Service {
  readonly table: SagaTable;
  readonly gatewayTable: SagaTable;
  readonly tables: { payments: SagaTable; paymentGateway: SagaTable; paymentIdempotency: SagaTable };
  readonly functions: SagaFunction[] = [];

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    const { bus, tableName, removalPolicy } = props;
    this.table = new SagaTable(this, 'PaymentsTable', {
      spec: TableSpecs.payments,
      tableName: tableName('payments'),
      removalPolicy,
    });
    this.gatewayTable = new SagaTable(this, 'PaymentGatewayTable', {
      spec: TableSpecs.paymentGateway,
      tableName: tableName('paymentGateway'),
      removalPolicy,
    });
    const idempotencyTable = idempotencyTableOf(this, 'payment', props);
    this.tables = {
      payments: this.table,
      paymentGateway: this.gatewayTable,
      paymentIdempotency: idempotencyTable,
    };

    const handler = (id: string, file: string) => {
      const fn = new SagaFunction(this, id, {
        service: 'payment',
        entry: `services/payment/handlers/${file}`,
        bus,
        source: Sources.payments,
        idempotencyTable,
        environment: {
          [EnvNames.paymentsTable]: this.table.tableName,
          [EnvNames.paymentGatewayTable]: this.gatewayTable.tableName,
        },
        removalPolicy,
      });
      fn.grantTable(this.table, PAYMENT_ACTIONS);
      fn.grantTable(this.gatewayTable, GATEWAY_ACTIONS);
      this.functions.push(fn);
      return fn;
    };

    // Charges the card for a placed order.
    handler('OnOrderPlaced', 'on-order-placed.ts').consume(OrderPlaced);
    // Compensation: refunds the charge, or leaves a tombstone when the cancellation came first.
    handler('OnOrderCancelled', 'on-order-cancelled.ts').consume(OrderCancelled);
  }
}
