import type { Construct } from 'constructs';
import { PaymentService } from '../constructs/payment-service.js';
import { OwnerStack, type SagaStackProps } from './owner-stack.js';

/** The payment service on its own: its tables, handlers, subscriptions, statement of the bus policy and alarms. */
export class PaymentStack extends OwnerStack {
  readonly service: PaymentService;

  constructor(scope: Construct, id: string, props: SagaStackProps) {
    super(scope, id, 'The order saga: the payment service (charges and refunds)', props);
    const { tableName, removalPolicy } = this.settings;
    const bus = this.sharedBus('payment');
    this.service = new PaymentService(this, 'Payment', { bus, tableName, removalPolicy });
    this.letTheAuditRead(this.service.table);
    this.operate(this.service.tables);
  }
}
