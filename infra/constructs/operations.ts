import { Fn, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';
import { AuditVerdicts } from './audit-verdicts.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import type { SagaEventBus } from './event-bus.js';
import {
  type AlarmSpec,
  auditExecutionAlarms,
  deadLetterAlarms,
  deadlineAlarm,
  functionAlarms,
  inconsistentAuditAlarm,
  ruleAlarm,
} from './operations-alarms.js';
import { sagaDashboard } from './operations-dashboard.js';
import type { SagaAudit } from './saga-audit.js';
import { SagaFunction } from './saga-function.js';

export type OperationsProps = {
  bus: SagaEventBus;
  audit: SagaAudit;
  /** Where the alarm topic sends e-mail; no subscription when absent. */
  alarmEmail?: string;
  /** What happens to the topic's key when the stack is deleted. */
  removalPolicy: RemovalPolicy;
};

/** What the stack built that operations watch, found in it rather than listed by hand. */
export type Watched = {
  deadLetterQueues: DeadLetterQueue[];
  functions: SagaFunction[];
  /** Rules with a target (subscriptions and schedules), with their `FailedInvocations` metric. */
  rules: { rule: events.Rule; failedInvocations: cloudwatch.Metric }[];
};

/**
 * A rule's `AWS/Events` metric. A rule's name is the last part of its ARN (`Ref` of a rule on a custom bus
 * is `bus|rule`, not the name); metrics of a rule on a custom bus also carry the bus's name.
 */
const ruleMetric = (rule: events.Rule, metricName: string): cloudwatch.Metric => {
  const busName = (rule.node.defaultChild as events.CfnRule).eventBusName;
  const ruleName = Fn.select(busName === undefined ? 1 : 2, Fn.split('/', rule.ruleArn));
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName,
    dimensionsMap:
      busName === undefined ? { RuleName: ruleName } : { EventBusName: busName, RuleName: ruleName },
    statistic: cloudwatch.Stats.SUM,
  });
};

/** A rule's targets as they stand (the L2 rule adds them lazily). */
const targetsOf = (rule: events.Rule): unknown[] =>
  (Stack.of(rule).resolve((rule.node.defaultChild as events.CfnRule).targets) as unknown[] | undefined) ?? [];

/** Every DLQ, function and targeted rule under `scope`, in construction order. */
export const watchedIn = (scope: IConstruct): Watched => {
  const all = scope.node.findAll();
  return {
    deadLetterQueues: all.filter((c): c is DeadLetterQueue => c instanceof DeadLetterQueue),
    functions: all.filter((c): c is SagaFunction => c instanceof SagaFunction),
    rules: all
      .filter((c): c is events.Rule => c instanceof events.Rule)
      .filter((rule) => targetsOf(rule).length > 0)
      .map((rule) => ({ rule, failedInvocations: ruleMetric(rule, 'FailedInvocations') })),
  };
};

/**
 * How the saga is operated on AWS: one encrypted SNS topic that every alarm notifies (and e-mails, when an
 * address is given), an alarm on every dead-letter queue, function and rule the stack built, on the audit's
 * executions and verdicts and on deadline cancellations, and a dashboard of the saga. Create it last: it
 * watches what the stack already holds, so a new DLQ, function or rule is watched without a line here.
 */
export class Operations extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, { bus, audit, alarmEmail, removalPolicy }: OperationsProps) {
    super(scope, id);
    const watched = watchedIn(Stack.of(this));
    const verdicts = new AuditVerdicts(this, 'AuditVerdicts', { bus });
    this.topic = this.alarmTopic(alarmEmail, removalPolicy);

    const specs: AlarmSpec[] = [
      ...watched.deadLetterQueues.flatMap((queue) => deadLetterAlarms(queue, watched.functions)),
      ...watched.functions.flatMap(functionAlarms),
      ...watched.rules.map(({ rule, failedInvocations }) => ruleAlarm(rule, failedInvocations)),
      ...auditExecutionAlarms(audit.stateMachine),
      inconsistentAuditAlarm(verdicts.inconsistent),
      deadlineAlarm(),
    ];
    this.alarms = specs.map((spec) => this.alarm(spec));
    this.dashboard = sagaDashboard(this, 'Dashboard', { watched, verdicts, alarms: this.alarms });
  }

  /**
   * The topic every alarm notifies. SNS topics are encrypted with a customer managed key because CloudWatch
   * cannot publish to a topic encrypted with the AWS managed key (its key policy cannot be changed).
   */
  private alarmTopic(alarmEmail: string | undefined, removalPolicy: RemovalPolicy): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the order saga alarm topic',
      enableKeyRotation: true,
      removalPolicy,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Order saga alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (alarmEmail !== undefined) topic.addSubscription(new EmailSubscription(alarmEmail));
    return topic;
  }

  private alarm({ id, metric, threshold, description }: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${Stack.of(this).stackName}-${id}`,
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // These metrics are published only when there is something to count: no data is no trouble.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}
