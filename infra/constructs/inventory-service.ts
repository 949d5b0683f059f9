import { Construct } from 'constructs';
import { EnvNames } from '../../shared/config.js';
import { OrderCancelled, PaymentProcessed, Sources } from '../../shared/events/index.js';
import { TableSpecs } from '../tables.js';
import { type DynamoDbAction, SagaFunction } from './saga-function.js';
import { SagaTable } from './saga-table.js';
import { idempotencyTableOf, type Service, type ServiceProps } from './service.js';

/**
 * What the inventory repository does: a consistent read of a reservation, and writes that are conditional
 * puts and updates, alone or inside one TransactWriteItems (which IAM authorizes per contained action).
 */
const INVENTORY_ACTIONS: DynamoDbAction[] = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

/**
 * The inventory service: the inventory table (stock and reservations, so one transaction covers both) and
 * one handler per event it reacts to, each with the rule that feeds it.
 */
export class InventoryService extends Construct implements Service {
  readonly table: SagaTable;
  readonly tables: { inventory: SagaTable; inventoryIdempotency: SagaTable };
  readonly functions: SagaFunction[] = [];

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    const { bus, tableName, removalPolicy } = props;
    this.table = new SagaTable(this, 'InventoryTable', {
      spec: TableSpecs.inventory,
      tableName: tableName('inventory'),
      removalPolicy,
    });
    const idempotencyTable = idempotencyTableOf(this, 'inventory', props);
    this.tables = { inventory: this.table, inventoryIdempotency: idempotencyTable };

    const handler = (id: string, file: string) => {
      const fn = new SagaFunction(this, id, {
        service: 'inventory',
        entry: `services/inventory/handlers/${file}`,
        bus,
        source: Sources.inventory,
        idempotencyTable,
        environment: { [EnvNames.inventoryTable]: this.table.tableName },
        removalPolicy,
      });
      fn.grantTable(this.table, INVENTORY_ACTIONS);
      this.functions.push(fn);
      return fn;
    };

    // Reserves the stock of a paid order, all lines or none.
    handler('OnPaymentProcessed', 'on-payment-processed.ts').consume(PaymentProcessed);
    // Compensation: releases the reservation, or leaves a tombstone when the cancellation came first.
    handler('OnOrderCancelled', 'on-order-cancelled.ts').consume(OrderCancelled);
  }
}
