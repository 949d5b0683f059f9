import { Fn, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { type AlarmSpec, deadLetterAlarms, functionAlarms, ruleAlarm } from './operations-alarms.js';
import { stackDashboard } from './operations-dashboard.js';
import { SagaFunction } from './saga-function.js';

export type OperationsProps = {
  /** The topic every alarm notifies: the bus stack's, found by its ARN. */
  topic: sns.ITopic;
  /** Alarms beyond the ones on the stack's DLQs, functions and rules (the audit's, the deadline's). */
  alarms?: AlarmSpec[];
  /** The business view the stack holds on its dashboard, if any (the audit stack's saga view). */
  business?: cloudwatch.IWidget[];
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
 * How a stack of the saga is operated on AWS: an alarm on every dead-letter queue, function and rule the
 * stack built, plus the alarms it is given, each notifying the saga's alarm topic; and the stack's part of
 * the saga's dashboard. Create it last: it watches what the stack already holds, so a new DLQ, function or
 * rule is watched without a line here.
 */
export class Operations extends Construct {
  readonly alarms: cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;
  private readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, { topic, alarms = [], business }: OperationsProps) {
    super(scope, id);
    this.topic = topic;
    const watched = watchedIn(Stack.of(this));
    const specs: AlarmSpec[] = [
      ...watched.deadLetterQueues.flatMap((queue) => deadLetterAlarms(queue, watched.functions)),
      ...watched.functions.flatMap(functionAlarms),
      ...watched.rules.map(({ rule, failedInvocations }) => ruleAlarm(rule, failedInvocations)),
      ...alarms,
    ];
    this.alarms = specs.map((spec) => this.alarm(spec));
    this.dashboard = stackDashboard(this, 'Dashboard', {
      watched,
      alarms: this.alarms,
      ...(business && { business }),
    });
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

export type AlarmTopicProps = {
  /** The topic's name: the other stacks' alarms find it by this name. */
  topicName: string;
  /** Where the topic sends e-mail; no subscription when absent. */
  alarmEmail?: string;
  /** What happens to the topic's key when the stack is deleted. */
  removalPolicy: RemovalPolicy;
};

/**
 * The one topic every alarm of the saga notifies (and e-mails, when an address is given). It is encrypted
 * with a customer managed key because CloudWatch cannot publish to a topic encrypted with the AWS managed key
 * (its key policy cannot be changed).
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, { topicName, alarmEmail, removalPolicy }: AlarmTopicProps) {
    super(scope, id);
    const key = new kms.Key(this, 'Key', {
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
    this.topic = new sns.Topic(this, 'Topic', {
      topicName,
      displayName: 'Order saga alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (alarmEmail !== undefined) this.topic.addSubscription(new EmailSubscription(alarmEmail));
  }
}
