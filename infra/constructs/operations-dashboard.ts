import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { CancellationReason, SagaOutcome } from '../../shared/events/index.js';
import {
  type BusinessMetric,
  METRICS_NAMESPACE,
  MetricDimension,
  type MetricService,
  Metrics,
} from '../../shared/metrics.js';
import type { AuditVerdicts } from './audit-verdicts.js';
import type { Watched } from './operations.js';
import { nameOf } from './operations-alarms.js';

export type StackDashboardProps = {
  watched: Watched;
  alarms: cloudwatch.Alarm[];
  /** Widgets of the business view, between the alarms and the machinery (the audit stack's saga view). */
  business?: cloudwatch.IWidget[];
};

const PERIOD = Duration.minutes(5);
const WIDTH = 12;
const HEIGHT = 6;

type Service = (typeof MetricService)[keyof typeof MetricService];

/** A business metric of one service, with more dimensions when it has them. */
const business = (
  metric: BusinessMetric,
  options: {
    service?: Service;
    dimensions?: Record<string, string>;
    statistic?: string;
    label?: string;
  } = {},
): cloudwatch.Metric =>
  new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: metric.name,
    dimensionsMap: {
      [MetricDimension.service]: options.service ?? (metric.services[0] as Service),
      ...options.dimensions,
    },
    statistic: options.statistic ?? cloudwatch.Stats.SUM,
    period: PERIOD,
    label: options.label ?? metric.name,
  });

const graph = (title: string, left: cloudwatch.IMetric[], stacked = false) =>
  new cloudwatch.GraphWidget({ title, left, stacked, width: WIDTH, height: HEIGHT, period: PERIOD });

/** The saga's business view: the funnel, cancellations, duration, compensations and audit verdicts. */
export const sagaWidgets = (verdicts: AuditVerdicts): cloudwatch.IWidget[] => [
  graph('Saga funnel: placed, charged, reserved, confirmed', [
    business(Metrics.ordersPlaced),
    business(Metrics.paymentsCharged),
    business(Metrics.stockReserved),
    business(Metrics.ordersConfirmed),
  ]),
  graph(
    'Cancellations by reason',
    CancellationReason.options.map((reason) =>
      business(Metrics.ordersCancelled, { dimensions: { [MetricDimension.reason]: reason }, label: reason }),
    ),
    true,
  ),
  graph(
    'Saga duration (OrderPlaced to its end), p50 / p90 / p99',
    SagaOutcome.options.flatMap((outcome) =>
      ['p50', 'p90', 'p99'].map((statistic) =>
        business(Metrics.sagaDuration, {
          dimensions: { [MetricDimension.outcome]: outcome },
          statistic,
          label: `${outcome} ${statistic}`,
        }),
      ),
    ),
  ),
  graph('Compensations: refunds, releases, tombstones', [
    business(Metrics.paymentsRefunded),
    business(Metrics.stockReleased),
    ...Metrics.compensationTombstones.services.map((service) =>
      business(Metrics.compensationTombstones, { service, label: `tombstones (${service})` }),
    ),
  ]),
  graph('Audit verdicts', [
    verdicts.consistent.with({ label: 'consistent' }),
    verdicts.inconsistent.with({ label: 'inconsistent' }),
  ]),
  graph(
    'Audit findings',
    [...verdicts.findings].map(([finding, metric]) => metric.with({ label: finding })),
    true,
  ),
];

/**
 * The machinery's view: every DLQ by name, each function's errors and durations, failed deliveries; a graph
 * is left out when the stack has nothing of its kind (the audit stack has no function).
 */
const machineryWidgets = ({ deadLetterQueues, functions, rules }: Watched): cloudwatch.IWidget[] =>
  (
    [
      [
        'Dead-letter queue depths (messages visible)',
        deadLetterQueues.map((queue) =>
          queue.metricApproximateNumberOfMessagesVisible({
            statistic: cloudwatch.Stats.MAXIMUM,
            period: PERIOD,
            label: nameOf(queue),
          }),
        ),
      ],
      [
        'Function errors',
        functions.map((fn) => fn.function.metricErrors({ period: PERIOD, label: nameOf(fn) })),
      ],
      [
        'Function durations, p99',
        functions.map((fn) =>
          fn.function.metricDuration({ statistic: 'p99', period: PERIOD, label: nameOf(fn) }),
        ),
      ],
      [
        'Rule deliveries failed permanently',
        rules.map(({ rule, failedInvocations }) =>
          failedInvocations.with({ period: PERIOD, label: nameOf(rule) }),
        ),
      ],
    ] satisfies [string, cloudwatch.IMetric[]][]
  )
    .filter(([, metrics]) => metrics.length > 0)
    .map(([title, metrics]) => graph(title, metrics));

/**
 * A stack's part of the saga's dashboard: its alarms first, then the business view it holds, then its
 * machinery. Every metric comes from what the stack built (its DLQs, functions, rules) and from the
 * contract's enums, so nothing is listed twice. The dashboard is named after the stack.
 */
export const stackDashboard = (
  scope: Construct,
  id: string,
  props: StackDashboardProps,
): cloudwatch.Dashboard =>
  new cloudwatch.Dashboard(scope, id, {
    dashboardName: Stack.of(scope).stackName,
    defaultInterval: Duration.hours(3),
    widgets: [
      [
        new cloudwatch.AlarmStatusWidget({
          title: 'Alarms',
          alarms: props.alarms,
          width: 2 * WIDTH,
          height: HEIGHT,
        }),
      ],
      ...(props.business ? [props.business] : []),
      machineryWidgets(props.watched),
    ],
  });
