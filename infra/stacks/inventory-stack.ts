import type { Construct } from 'constructs';
import { InventoryService } from '../constructs/inventory-service.js';
import { OwnerStack, type SagaStackProps } from './owner-stack.js';

/** The inventory service on its own: its tables, handlers, subscriptions, statement of the bus policy and alarms. */
export class InventoryStack extends OwnerStack {
  readonly service: InventoryService;

  constructor(scope: Construct, id: string, props: SagaStackProps) {
    super(scope, id, 'The order saga: the inventory service (reservations and releases)', props);
    const { tableName, removalPolicy } = this.settings;
    const bus = this.sharedBus('inventory');
    this.service = new InventoryService(this, 'Inventory', { bus, tableName, removalPolicy });
    this.letTheAuditRead(this.service.table);
    this.operate(this.service.tables);
  }
}
