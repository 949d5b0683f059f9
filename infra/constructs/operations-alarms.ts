/**
 * The saga's alarms, one builder per kind of thing watched. Each says in its description what it means and
 * what to do; `Operations` gives them their scope and their topic.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { CancellationReason, findingsOfKind } from '../../shared/events/index.js';
import { METRICS_NAMESPACE, MetricDimension, MetricService, Metrics } from '../../shared/metrics.js';
import type { DeadLetterQueue } from './dead-letter-queue.js';
import type { SagaFunction } from './saga-function.js';

/** One alarm to create: a construct id (also its name), and a metric that alarms at or above `threshold`. */
export type AlarmSpec = {
  id: string;
  metric: cloudwatch.IMetric;
  threshold: number;
  description: string;
};

/** Cancellations by `DEADLINE_EXCEEDED` in 15 minutes at which a service is probably stuck. */
export const DEADLINE_CANCELLATIONS_THRESHOLD = 5;

/** How long before a DLQ's retention deletes its oldest message the operator is warned. */
export const DLQ_RETENTION_MARGIN = Duration.days(2);

/** A construct's path below the stack, as one word: `Payment/OnOrderPlaced/Failures` -> `PaymentOnOrderPlacedFailures`. */
export const nameOf = (construct: IConstruct): string => construct.node.path.split('/').slice(1).join('');

const LOCAL_DLQ = 'Locally: `npm run saga -- dlq list`, then `npm run saga -- dlq redrive`.';
/** What a redrive does to the audit's verdict: nobody audits a saga again by hand. */
const REAUDITED_BY_ITSELF =
  'A redriven compensation publishes its refund, release or void, which audits its saga again.';
const FIVE_MINUTES = Duration.minutes(5);

/** What lands in `queue`, and how to send it again, depending on who wrote it there. */
const redriveOf = (queue: DeadLetterQueue, functions: readonly SagaFunction[]): string => {
  const owner = functions.find((fn) => fn.failures === queue);
  return owner
    ? 'Each message is a Lambda failure record: resend its .requestPayload with `aws lambda invoke ' +
        `--invocation-type Event --function-name <${nameOf(owner)} function> --payload fileb://payload.json\`.`
    : 'Each message is the undelivered event (its attributes name the rule, the target and the error): ' +
        'resend it with `aws events put-events` on the saga bus; every consumer is idempotent, so those ' +
        'that already had it change nothing.';
};

/** One alarm on any message in a DLQ, one before the oldest is deleted by the queue's retention. */
export const deadLetterAlarms = (queue: DeadLetterQueue, functions: readonly SagaFunction[]): AlarmSpec[] => {
  const name = nameOf(queue);
  const retentionSeconds = (queue.node.defaultChild as sqs.CfnQueue).messageRetentionPeriod as number;
  const warnAtSeconds = retentionSeconds - DLQ_RETENTION_MARGIN.toSeconds();
  const inspect =
    `On AWS: \`aws sqs receive-message --queue-url <output ${name}Url> --attribute-names All ` +
    '--message-attribute-names All`; fix the cause, resend, then delete the message.';
  return [
    {
      id: `${name}Messages`,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
      }),
      threshold: 1,
      description:
        `Dead letters: ${queue.purpose}. A saga is stuck, or a compensation waits, until they are sent ` +
        `again. ${inspect} ${redriveOf(queue, functions)} ${REAUDITED_BY_ITSELF} ${LOCAL_DLQ}`,
    },
    {
      id: `${name}Expiring`,
      metric: queue.metricApproximateAgeOfOldestMessage({
        statistic: cloudwatch.Stats.MAXIMUM,
        period: FIVE_MINUTES,
      }),
      threshold: warnAtSeconds,
      description:
        `The oldest dead letter in ${name} (${queue.purpose}) is ${warnAtSeconds / 86_400} days old: the ` +
        `queue deletes it after ${retentionSeconds / 86_400} days, and the fact it carries is lost with it. ` +
        `Redrive it now. ${inspect} ${LOCAL_DLQ}`,
    },
  ];
};

/** Errors (a failed invocation, retried and then dead-lettered) and throttles of one function. */
export const functionAlarms = (fn: SagaFunction): AlarmSpec[] => {
  const name = nameOf(fn);
  const logs = `\`aws logs tail <${name} log group> --since 1h\` (the order id is the correlation_id)`;
  return [
    {
      id: `${name}Errors`,
      metric: fn.function.metricErrors({ statistic: cloudwatch.Stats.SUM, period: FIVE_MINUTES }),
      threshold: 1,
      description:
        `${fn.entry} failed. Lambda retries twice, then the invocation lands in ${name}Failures. ` +
        `Read the error in ${logs}; a bad event or a bug needs a fix and a redrive, a dependency outage heals.`,
    },
    {
      id: `${name}Throttles`,
      metric: fn.function.metricThrottles({ statistic: cloudwatch.Stats.SUM, period: FIVE_MINUTES }),
      threshold: 1,
      description:
        `${fn.entry} was throttled: the account's or the function's concurrency is exhausted. Lambda keeps ` +
        'the event and retries for up to 6 hours, so nothing is lost yet, but sagas slow down and may reach ' +
        'their deadline. Check `aws lambda get-account-settings` and the ConcurrentExecutions metric.',
    },
  ];
};

/** Deliveries a rule's target failed permanently (a dead-letter write that failed counts here too). */
export const ruleAlarm = (rule: events.Rule, metric: cloudwatch.IMetric): AlarmSpec => ({
  id: `${nameOf(rule)}FailedInvocations`,
  metric,
  threshold: 1,
  description:
    `EventBridge failed to deliver events matched by ${nameOf(rule)} to its target and could not park them ` +
    'in the dead-letter queue either: they are lost for this consumer. Read the bus log (`aws logs tail ' +
    '/aws/vendedlogs/events/event-bus/order-saga`), fix the target or its permissions, then replay the ' +
    'window from the archive (`aws events start-replay`, docs/operate.md).',
});

/** Audit executions that failed or timed out: those sagas have no verdict. */
export const auditExecutionAlarms = (stateMachine: sfn.StateMachine): AlarmSpec[] => {
  const what =
    'Those sagas have no verdict. Find the executions in the audit log group (Express workflows log ' +
    'there, not in ListExecutions), fix the cause, and audit each saga again: `aws stepfunctions ' +
    'start-execution --state-machine-arn <output AuditStateMachineArn> --input ' +
    '\'{"orderId":"<id>","outcome":"CANCELLED"}\'` (or CONFIRMED).';
  return [
    {
      id: 'AuditExecutionsFailed',
      metric: stateMachine.metricFailed({ statistic: cloudwatch.Stats.SUM, period: FIVE_MINUTES }),
      threshold: 1,
      description: `Saga audits failed (a service call kept failing after its retries). ${what}`,
    },
    {
      id: 'AuditExecutionsTimedOut',
      metric: stateMachine.metricTimedOut({ statistic: cloudwatch.Stats.SUM, period: FIVE_MINUTES }),
      threshold: 1,
      description: `Saga audits ran out of time (the Express 5-minute limit). ${what}`,
    },
  ];
};

/**
 * A saga the audit found inconsistent, which always means one of two things (`FindingKinds`): a rule of the
 * saga is broken, or a compensation is stuck where only a person can move it.
 */
export const inconsistentAuditAlarm = (inconsistent: cloudwatch.Metric): AlarmSpec => ({
  id: 'InconsistentAudits',
  metric: inconsistent.with({ period: FIVE_MINUTES }),
  threshold: 1,
  description:
    'The audit found a saga inconsistent. Find it in the audit table (`aws dynamodb scan --table-name ' +
    '<output AuditTableName> --filter-expression "consistent = :f" --expression-attribute-values ' +
    '\'{":f":{"BOOL":false}}\'`); its findings say which of two things it is. A broken rule ' +
    `(${findingsOfKind('BROKEN_RULE')
      .filter((f) => f !== 'ORDER_NOT_FOUND')
      .join(', ')}): a forged ` +
    'cancellation of a confirmed order, or a confirmed saga without its charge or reservation; money or ' +
    'stock needs a person. A stuck step ' +
    `(${findingsOfKind('STUCK_STEP').join(', ')}): a compensation not done after the audit's waits, which ` +
    "outlast Lambda's retries: it is in a DLQ (whose alarm fired too) or its target cannot be reached " +
    `(FailedInvocations). Redrive it. ${REAUDITED_BY_ITSELF}`,
});

/** Many orders cancelled at their deadline: a service stopped answering (it shows here first). */
export const deadlineAlarm = (): AlarmSpec => ({
  id: 'DeadlineCancellations',
  metric: new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: Metrics.ordersCancelled.name,
    dimensionsMap: {
      [MetricDimension.service]: MetricService.order,
      [MetricDimension.reason]: CancellationReason.enum.DEADLINE_EXCEEDED,
    },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.minutes(15),
  }),
  threshold: DEADLINE_CANCELLATIONS_THRESHOLD,
  description:
    `${DEADLINE_CANCELLATIONS_THRESHOLD} or more orders in 15 minutes were cancelled because they were still ` +
    'pending at their deadline: payment or inventory is not answering (throttled, failing, or its rule ' +
    'stopped delivering). Check the function error and throttle alarms and the DLQs; `npm run saga -- dlq ' +
    'list` locally.',
});
