import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export type BusLogsProps = {
  bus: events.EventBus;
  /** The bus's name, fixed: it names the log group and the delivery resources. */
  busName: string;
  removalPolicy: RemovalPolicy;
};

/**
 * Where the bus's own logs go: EventBridge delivers them as CloudWatch Logs "vended logs", which
 * CloudFormation wires as a delivery source (the bus and the log type), a delivery destination (a log
 * group) and the delivery between them. aws-cdk-lib has no L2 for these, so they are the L1 resources.
 * Only ERROR_LOGS are delivered: the bus's `LogConfig` level decides what is written, and at ERROR that is
 * the failed deliveries and the events that could not be processed, which is what an operator looks for.
 */
export class BusLogs extends Construct {
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, { bus, busName, removalPolicy }: BusLogsProps) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);
    // The /aws/vendedlogs/ prefix is the one AWS asks for vended logs: it keeps the log group's resource
    // policy from growing with every delivery.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/events/event-bus/${busName}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    // CloudWatch Logs writes the bus's records as the log delivery service, for this account's deliveries only.
    this.logGroup.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${this.logGroup.logGroupArn}:log-stream:*`],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:logs:${region}:${account}:*` },
        },
      }),
    );
    const source = new logs.CfnDeliverySource(this, 'Source', {
      name: `${busName}-error-logs`,
      logType: 'ERROR_LOGS',
      resourceArn: bus.eventBusArn,
    });
    const destination = new logs.CfnDeliveryDestination(this, 'Destination', {
      name: `${busName}-logs`,
      destinationResourceArn: this.logGroup.logGroupArn,
    });
    const delivery = new logs.CfnDelivery(this, 'Delivery', {
      deliverySourceName: source.name,
      deliveryDestinationArn: destination.attrArn,
    });
    // The delivery names its source by name, not by reference: CloudFormation must be told the order.
    delivery.node.addDependency(source);
  }
}
