import { Arn, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { DeadLetterQueue } from '../constructs/dead-letter-queue.js';
import { SharedBus } from '../constructs/event-bus.js';
import { Operations, type OperationsProps } from '../constructs/operations.js';
import { nameOf } from '../constructs/operations-alarms.js';
import type { SagaTable } from '../constructs/saga-table.js';
import { SharedNames, StackNames, type StackOwner } from '../project.js';
import type { StackTableName } from '../tables.js';
import type { Settings } from './context.js';
import { OwnedSources, type ProducingOwner } from './owners.js';

/** What every stack of the app is built with. */
export type SagaStackProps = StackProps & { settings: Settings };

/** `orders` -> `OrdersTableName`: the stack output that names a table. */
export const tableOutputId = (name: StackTableName) => `${name[0]?.toUpperCase()}${name.slice(1)}TableName`;

/**
 * A stack of one owner of the saga (a service or the audit) on the shared bus. It reaches the bus and the
 * alarm topic by their names, owns its subscriptions and its statements of the bus policy, and ends with its
 * operations (alarms, its part of the dashboard) and outputs.
 */
export abstract class OwnerStack extends Stack {
  readonly settings: Settings;

  constructor(scope: Construct, id: string, description: string, { settings, ...props }: SagaStackProps) {
    super(scope, id, { description, analyticsReporting: false, ...props });
    this.settings = settings;
  }

  /** The shared bus, through which this stack owns `owner`'s sources (only its producers may put them). */
  protected sharedBus(owner: ProducingOwner): SharedBus {
    const busAccount = this.settings.accounts?.bus;
    return new SharedBus(this, 'Bus', {
      busName: SharedNames.bus,
      owns: OwnedSources[owner],
      removalPolicy: this.settings.removalPolicy,
      ...(busAccount !== undefined && busAccount !== this.account && { busAccount }),
    });
  }

  /**
   * One account per owner: lets the audit, in its own account, read `table` by key (the table's resource
   * policy admits the audit stack's roles of that account). Nothing to do when they share an account.
   */
  protected letTheAuditRead(table: SagaTable): void {
    const audit = accountOf(this.settings, 'audit');
    if (audit === undefined || audit === this.account) return;
    table.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.AccountPrincipal(audit)],
        actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'aws:PrincipalArn': `arn:${this.partition}:iam::${audit}:role/${StackNames.audit}-*` },
        },
      }),
    );
  }

  /**
   * Alarms on everything the stack built, and its dashboard, notifying the bus stack's topic (found by name);
   * then an output for each of its tables and dead-letter queues. Call it last.
   */
  protected operate(
    tables: Partial<Record<StackTableName, SagaTable>>,
    options: Omit<OperationsProps, 'topic'> = {},
  ) {
    const topicArn = Arn.format(
      {
        service: 'sns',
        resource: SharedNames.alarmTopic,
        ...(this.settings.accounts?.bus !== undefined && { account: this.settings.accounts.bus }),
      },
      this,
    );
    const operations = new Operations(this, 'Operations', {
      topic: sns.Topic.fromTopicArn(this, 'AlarmTopic', topicArn),
      ...options,
    });
    new CfnOutput(this, 'DashboardName', { value: operations.dashboard.dashboardName });
    for (const [name, table] of Object.entries(tables) as [StackTableName, SagaTable][]) {
      new CfnOutput(this, tableOutputId(name), { value: table.tableName, description: `The ${name} table` });
    }
    for (const queue of this.node
      .findAll()
      .filter((c): c is DeadLetterQueue => c instanceof DeadLetterQueue)) {
      new CfnOutput(this, `${nameOf(queue)}Url`, {
        value: queue.queueUrl,
        description: `DLQ: ${queue.purpose}`,
      });
    }
    return operations;
  }
}

/** The account of an owner's stack, when the deployment gives owners accounts of their own. */
export const accountOf = (settings: Settings, owner: StackOwner): string | undefined =>
  settings.accounts?.[owner] ?? settings.accounts?.bus;

/** The account an owner's stack deploys to, when the deployment gives one (else the CLI's). */
export const envOf = (settings: Settings, owner: StackOwner): StackProps['env'] => {
  const account = settings.accounts?.[owner] ?? settings.accounts?.bus;
  return account === undefined ? undefined : { account };
};
