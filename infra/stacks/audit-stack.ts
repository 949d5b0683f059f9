import { Arn, CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AuditVerdicts } from '../constructs/audit-verdicts.js';
import { auditExecutionAlarms, inconsistentAuditAlarm } from '../constructs/operations-alarms.js';
import { sagaWidgets } from '../constructs/operations-dashboard.js';
import { SagaAudit } from '../constructs/saga-audit.js';
import { accountOf, OwnerStack, type SagaStackProps } from './owner-stack.js';

/**
 * The saga's audit on its own: the Express workflow that judges each saga once it ended, its table, the rules
 * that start it and those that count its verdicts, and the saga's business view. It reads the services'
 * tables by their names (their ARNs in other accounts), so it deploys before or after them.
 */
export class AuditStack extends OwnerStack {
  readonly audit: SagaAudit;

  constructor(scope: Construct, id: string, props: SagaStackProps) {
    super(scope, id, 'The order saga: the audit workflow, its verdicts and the saga dashboard', props);
    const { tableName, removalPolicy } = this.settings;
    const bus = this.sharedBus('audit');
    this.audit = new SagaAudit(this, 'Audit', {
      bus,
      reads: {
        orders: this.tableOf('order', tableName('orders')),
        payments: this.tableOf('payment', tableName('payments')),
        inventory: this.tableOf('inventory', tableName('inventory')),
      },
      tableName: tableName('audit'),
      removalPolicy,
    });
    const verdicts = new AuditVerdicts(this, 'AuditVerdicts', { bus });
    this.operate(
      { audit: this.audit.table },
      {
        alarms: [
          ...auditExecutionAlarms(this.audit.stateMachine),
          inconsistentAuditAlarm(verdicts.inconsistent),
        ],
        business: sagaWidgets(verdicts),
      },
    );
    new CfnOutput(this, 'AuditStateMachineArn', {
      value: this.audit.stateMachine.stateMachineArn,
      description:
        'The saga audit (Express): its executions log to CloudWatch, its verdicts go to the audit table',
    });
  }

  /**
   * How the audit names a table of `owner`'s: by its name in this account, by its ARN in another (DynamoDB
   * takes a table's ARN wherever it takes its name, and a table of another account is reached by ARN only).
   */
  private tableOf(owner: 'order' | 'payment' | 'inventory', name: string): string {
    const account = accountOf(this.settings, owner);
    return account === undefined || account === this.account
      ? name
      : Arn.format({ service: 'dynamodb', resource: 'table', resourceName: name, account }, this);
  }
}
