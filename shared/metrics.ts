/**
 * The saga's business metrics: one namespace, one name per fact. The services emit them with Powertools
 * Metrics (embedded metric format, so a metric is a log line, not an API call); the stack's alarms and
 * dashboard read the same constants, so a renamed metric cannot leave an alarm watching nothing.
 *
 * Every metric carries Powertools' default dimension `service` (the function's `POWERTOOLS_SERVICE_NAME`:
 * `order`, `payment` or `inventory`). A few carry one more dimension, always of a closed set of values;
 * never an order id, a SKU or anything else with one value per saga (each distinct dimension set is a
 * metric CloudWatch bills for). A metric counts a fact once, when it is committed, not each delivery of
 * the event that caused it: a duplicate delivery emits nothing.
 */

/** The CloudWatch namespace of every business metric. */
export const METRICS_NAMESPACE = 'OrderSaga';

/** The dimensions business metrics carry, by their CloudWatch name. */
export const MetricDimension = {
  /** Powertools' default dimension: the service that emitted the metric. */
  service: 'service',
  /** An `OrderCancelled` reason (`CancellationReason`). */
  reason: 'reason',
  /** How a saga ended (`SagaOutcome`). */
  outcome: 'outcome',
  /** The ISO-4217 currency of an amount: amounts in different currencies are never added up. */
  currency: 'currency',
} as const;

/** The services that emit business metrics: the values of the `service` dimension. */
export const MetricService = { order: 'order', payment: 'payment', inventory: 'inventory' } as const;

/** A business metric: its name, the services that emit it, its unit and its dimensions besides `service`. */
export type BusinessMetric = {
  readonly name: string;
  readonly services: readonly (typeof MetricService)[keyof typeof MetricService][];
  readonly unit: 'Count' | 'Milliseconds' | 'None';
  readonly dimensions: readonly (typeof MetricDimension)[keyof typeof MetricDimension][];
};

const { order, payment, inventory } = MetricService;
const { reason, outcome, currency } = MetricDimension;

/** Every business metric, by what it counts. */
export const Metrics = {
  /** An order was recorded PENDING (a rejected order counts as cancelled, not placed). */
  ordersPlaced: { name: 'OrdersPlaced', services: [order], unit: 'Count', dimensions: [] },
  /** An order was confirmed: the saga committed. */
  ordersConfirmed: { name: 'OrdersConfirmed', services: [order], unit: 'Count', dimensions: [] },
  /** An order was cancelled, by `OrderCancelled` reason. */
  ordersCancelled: { name: 'OrdersCancelled', services: [order], unit: 'Count', dimensions: [reason] },
  /** From `OrderPlaced`'s `occurredAt` to the terminal event's, by outcome. */
  sagaDuration: { name: 'SagaDuration', services: [order], unit: 'Milliseconds', dimensions: [outcome] },
  /** A card was charged. */
  paymentsCharged: { name: 'PaymentsCharged', services: [payment], unit: 'Count', dimensions: [] },
  /** The amount charged, in minor units, by currency. */
  chargedAmount: { name: 'ChargedAmountCents', services: [payment], unit: 'None', dimensions: [currency] },
  /** A charge was refunded (a compensation). */
  paymentsRefunded: { name: 'PaymentsRefunded', services: [payment], unit: 'Count', dimensions: [] },
  /** The amount refunded, in minor units, by currency. */
  refundedAmount: { name: 'RefundedAmountCents', services: [payment], unit: 'None', dimensions: [currency] },
  /** Every line of an order was reserved. */
  stockReserved: { name: 'StockReserved', services: [inventory], unit: 'Count', dimensions: [] },
  /** A reservation was released (a compensation). */
  stockReleased: { name: 'StockReleased', services: [inventory], unit: 'Count', dimensions: [] },
  /**
   * A compensation arrived before its action and left a tombstone (DESIGN rule 3): emitted by payment
   * and by inventory, each with its own `service`.
   */
  compensationTombstones: {
    name: 'CompensationTombstones',
    services: [payment, inventory],
    unit: 'Count',
    dimensions: [],
  },
} as const satisfies Record<string, BusinessMetric>;

/**
 * The audit's verdicts are not emitted by code: the audit is a Step Functions workflow with service
 * integrations only (no Powertools), and its verdict is already an event, `SagaAudited`. The stack counts
 * verdicts with EventBridge rules on that event that have no target: each rule's `AWS/Events`
 * `MatchedEvents` metric (dimensions `EventBusName`, `RuleName`) is the count. These are the rules' names,
 * fixed so that an alarm, the dashboard and the local runtime name the same series.
 */
export const AuditVerdictRules = {
  /** `SagaAudited` with `consistent: true`. */
  consistent: 'saga-audited-consistent',
  /** `SagaAudited` with `consistent: false`: a saga whose end state breaks an invariant. */
  inconsistent: 'saga-audited-inconsistent',
  /** `SagaAudited` whose findings include `finding` (one rule per `AuditFinding`). */
  finding: (finding: string): string => `saga-audited-finding-${finding}`,
} as const;

/** What every audit verdict rule's name starts with: the rules of the bus that have no target. */
export const AUDIT_VERDICT_RULE_PREFIX = 'saga-audited-';

/** EventBridge's metric of the events a rule matched (the audit verdicts' count). */
export const MATCHED_EVENTS_METRIC = 'MatchedEvents';
