import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { OrderPlaced } from '../../shared/events/index.js';
import { deadlineAlarm } from '../constructs/operations-alarms.js';
import { OrderService } from '../constructs/order-service.js';
import { StorefrontAccess } from '../constructs/storefront-access.js';
import { StorefrontApi } from '../constructs/storefront-api.js';
import { OwnerStack, type SagaStackProps } from './owner-stack.js';

/**
 * The order service on its own: the orders, its handlers and deadline sweep, and the storefront's front door
 * (the HTTP API and the role that places orders), so it owns both the orders' and the storefront's facts.
 */
export class OrderStack extends OwnerStack {
  readonly service: OrderService;

  constructor(scope: Construct, id: string, props: SagaStackProps) {
    super(scope, id, 'The order saga: the order service, its deadline sweep and the storefront API', props);
    const { tableName, removalPolicy, deadlineSeconds } = this.settings;
    const bus = this.sharedBus('order');
    this.service = new OrderService(this, 'Order', { bus, tableName, removalPolicy, deadlineSeconds });
    const storefront = new StorefrontAccess(this, 'Storefront', { bus });
    const api = new StorefrontApi(this, 'StorefrontApi', {
      bus,
      orders: this.service.table,
      idempotencyTable: this.service.tables.orderIdempotency,
      removalPolicy,
    });
    storefront.allowInvoke(api);
    this.letTheAuditRead(this.service.table);
    this.operate(this.service.tables, { alarms: [deadlineAlarm()] });

    new CfnOutput(this, 'StorefrontPolicyArn', {
      value: storefront.policy.managedPolicyArn,
      description: `Attach to what places orders: it may put ${OrderPlaced.detailType} on the saga bus, and nothing else`,
    });
    new CfnOutput(this, 'StorefrontRoleName', {
      value: storefront.role.roleName,
      description: `Assume to place orders: the principal the bus accepts ${OrderPlaced.detailType} from`,
    });
    new CfnOutput(this, 'StorefrontApiUrl', {
      value: api.url,
      description:
        'The storefront HTTP API (IAM-authorized): POST /orders, GET /orders/{orderId}, POST /orders/{orderId}/cancel',
    });
  }
}
