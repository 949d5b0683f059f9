import type { Construct } from 'constructs';
import { SharedBus } from '../../infra/constructs/event-bus.js';
import { SagaFunction } from '../../infra/constructs/saga-function.js';
import { SagaTable } from '../../infra/constructs/saga-table.js';
import { SharedNames } from '../../infra/project.js';
import { OwnerStack, type SagaStackProps } from '../../infra/stacks/owner-stack.js';
import { TableSpecs } from '../../infra/tables.js';
import { OrderCancelled, OrderConfirmed } from '../../shared/events/index.js';

/**
 * A consumer added to the choreography: tells customers how their order ended. Its own stack, on the shared
 * bus found by its name; it subscribes to the order's terminal facts and puts none of its own, so no other
 * stack changes when it is added, deployed or removed.
 */
export class NotificationStack extends OwnerStack {
  constructor(scope: Construct, id: string, props: SagaStackProps) {
    super(scope, id, 'The order saga: notifications to customers', props);
    const { removalPolicy } = this.settings;
    const bus = new SharedBus(this, 'Bus', { busName: SharedNames.bus, owns: [], removalPolicy });
    const idempotencyTable = new SagaTable(this, 'IdempotencyTable', {
      spec: TableSpecs.idempotency,
      tableName: 'order-saga-notification-idempotency',
      removalPolicy,
    });

    const handler = (id: string, file: string) =>
      new SagaFunction(this, id, {
        service: 'notification',
        entry: `examples/notification/handlers/${file}`,
        bus,
        idempotencyTable,
        removalPolicy,
      });
    handler('OnOrderConfirmed', 'on-order-confirmed.ts').consume(OrderConfirmed);
    handler('OnOrderCancelled', 'on-order-cancelled.ts').consume(OrderCancelled);

    this.operate({});
  }
}
