import { Arn, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { Sources } from '../../shared/events/index.js';
import { TableSpecs } from '../tables.js';
import {
  type AuditInput,
  AuditSubstitution,
  type AuditSubstitutions,
  AuditTriggers,
  auditDefinition,
} from './audit-definition.js';
import type { SharedBus, Subscription } from './event-bus.js';
import { SagaTable } from './saga-table.js';

export type SagaAuditProps = {
  bus: SharedBus;
  /** The names of the services' tables whose end state the audit reads (each in its service's stack). */
  reads: { orders: string; payments: string; inventory: string };
  /** The audit table's own name. */
  tableName: string;
  removalPolicy: RemovalPolicy;
};

/**
 * The saga audit: an Express state machine (JSONPath, service integrations only) started by the events that
 * end a saga or one of its compensations (`AuditTriggers`), which reads the three services' end state,
 * records a verdict in the audit table and publishes `SagaAudited`. It coordinates nothing: it only checks
 * that the choreography converged.
 */
export class SagaAudit extends Construct {
  readonly table: SagaTable;
  readonly stateMachine: sfn.StateMachine;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly subscriptions: Subscription[];

  constructor(scope: Construct, id: string, props: SagaAuditProps) {
    super(scope, id);
    const { bus, reads, tableName, removalPolicy } = props;
    this.table = new SagaTable(this, 'AuditTable', { spec: TableSpecs.audit, tableName, removalPolicy });
    const tableArn = (name: string) =>
      Arn.format({ service: 'dynamodb', resource: 'table', resourceName: name }, Stack.of(this));
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'The saga audit: reads the services, records verdicts, publishes SagaAudited',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:BatchGetItem'],
        resources: [reads.orders, reads.payments, reads.inventory].map(tableArn),
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [this.table.tableArn] }),
    );
    bus.grantPutEvents(this.role, Sources.sagaAudit);

    const substitutions: AuditSubstitutions = {
      [AuditSubstitution.ordersTable]: reads.orders,
      [AuditSubstitution.paymentsTable]: reads.payments,
      [AuditSubstitution.inventoryTable]: reads.inventory,
      [AuditSubstitution.auditTable]: this.table.tableName,
      [AuditSubstitution.eventBusName]: bus.eventBusName,
    };
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.EXPRESS,
      comment: 'Audits each order saga once it ended',
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(auditDefinition())),
      definitionSubstitutions: substitutions,
      role: this.role,
      // Every step of every execution (an Express workflow has no other history), but without execution
      // data: an execution's input, states' results and output carry order and payment items, which have no
      // place in logs. A failed execution still logs its error and cause; verdicts are in the audit table.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });

    this.subscriptions = AuditTriggers.map(([event, outcome]) =>
      bus.subscribe(this, event, 'the saga audit', (delivery) => {
        const input: Record<keyof AuditInput, unknown> = {
          orderId: events.EventField.fromPath('$.detail.orderId'),
          outcome,
        };
        return new targets.SfnStateMachine(this.stateMachine, {
          ...delivery,
          input: events.RuleTargetInput.fromObject(input),
        });
      }),
    );

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by Step Functions for its logging and tracing: the CloudWatch Logs log-delivery actions ' +
        '(CreateLogDelivery, PutResourcePolicy, ...) and X-Ray PutTraceSegments/PutTelemetryRecords do ' +
        'not support resource-level permissions, so AWS requires Resource "*" for them.',
    });
  }
}
