/**
 * The audit workflow's definition, in the Amazon States Language with JSONPath. Plain data with no CDK in
 * it: the construct deploys it, and the local runtime (and its tests) run the very same document.
 *
 * The audit reads the end state of a saga from the three services' tables, decides whether it is
 * consistent, records the verdict and publishes `SagaAudited`. It uses service integrations only.
 */
import {
  AuditFinding,
  InventoryReleased,
  InventoryReservationVoided,
  OrderCancelled,
  OrderConfirmed,
  PaymentRefunded,
  PaymentVoided,
  SagaAudited,
  SagaOutcome,
} from '../../shared/events/index.js';

/** Names in the definition that the stack substitutes (`${Name}`) with the deployed resources. */
export const AuditSubstitution = {
  ordersTable: 'OrdersTable',
  paymentsTable: 'PaymentsTable',
  inventoryTable: 'InventoryTable',
  auditTable: 'AuditTable',
  eventBusName: 'EventBusName',
} as const;

export type AuditSubstitutions = Record<(typeof AuditSubstitution)[keyof typeof AuditSubstitution], string>;

/**
 * The events that start an audit, and the outcome each one starts it with: the two that end a saga, and
 * every fact a compensation publishes when it lands (a refund, a release, or the void of a step that never
 * ran: a tombstone, a declined charge, a refused reservation). Whatever a settled or settling saga can still
 * undergo, however late (a retry after the audit's waits, a redriven dead letter), publishes one of them, so
 * the latest verdict is always on the saga's latest state, without anyone auditing it again.
 */
export const AuditTriggers = [
  [OrderConfirmed, SagaOutcome.enum.CONFIRMED],
  [OrderCancelled, SagaOutcome.enum.CANCELLED],
  [PaymentRefunded, SagaOutcome.enum.CANCELLED],
  [PaymentVoided, SagaOutcome.enum.CANCELLED],
  [InventoryReleased, SagaOutcome.enum.CANCELLED],
  [InventoryReservationVoided, SagaOutcome.enum.CANCELLED],
] as const;

/**
 * A cancelled saga is audited as soon as `OrderCancelled` is out, while its compensations (a refund, a
 * release) may still be on their way: the audit waits and reads again, at most this many times.
 *
 * The waits must outlast a compensation's retries: a refund that fails transiently is retried by Lambda's
 * asynchronous invocation after about 1 and then 2 more minutes. 25 waits of 10 s (250 s) cover both
 * retries with a minute to spare, and stay under an Express workflow's 5-minute limit.
 */
export const AUDIT_MAX_WAITS = 25;
/** How long each of those waits lasts. */
export const AUDIT_WAIT_SECONDS = 10;

/** The end states of each service that settle a saga, per outcome (DESIGN: the statuses of each table). */
const Settled = {
  order: { CONFIRMED: 'CONFIRMED', CANCELLED: 'CANCELLED' },
  paymentCharged: 'CHARGED',
  // TOMBSTONED: a cancellation that arrived before the charge; CANCELLED is the same tombstone as items
  // written before it had its own status still carry it.
  paymentCompensated: ['DECLINED', 'TOMBSTONED', 'CANCELLED', 'REFUNDED'],
  reservationLive: 'RESERVED',
  reservationCompensated: ['CANCELLED', 'RELEASED', 'FAILED'],
} as const;

type State = Record<string, unknown>;
type ChoiceRule = Record<string, unknown>;

/** The execution's input, as the rules' input transformers give it. */
export type AuditInput = { orderId: string; outcome: SagaOutcome };

const sub = (name: string) => `\${${name}}`;
const { CONFIRMED, CANCELLED } = SagaOutcome.enum;
const F = AuditFinding.enum;

// A failed service call (throttled, a 5xx, a refused PutEvents entry) is retried six times with jittered
// backoff capped at 4 s (at most 19 s, which the waits leave room for under the 5-minute limit). Nothing
// starts an execution again once it failed, so a verdict must not be lost to a few refusals in a row: the
// chaos runs lost one audit in 2,000 sagas to four PutEvents failures in a row when it retried three times.
// One that keeps failing fails the execution, whose log then shows the error and its cause.
const retry = (errors: string[]) => [
  {
    ErrorEquals: errors,
    IntervalSeconds: 1,
    MaxAttempts: 6,
    BackoffRate: 2,
    MaxDelaySeconds: 4,
    JitterStrategy: 'FULL',
  },
];

/** The three services' tables, and the key of one order's item in each. */
const SagaItems = {
  order: [AuditSubstitution.ordersTable, { orderId: { 'S.$': '$.orderId' } }],
  payment: [AuditSubstitution.paymentsTable, { orderId: { 'S.$': '$.orderId' } }],
  reservation: [
    AuditSubstitution.inventoryTable,
    { pk: { 'S.$': "States.Format('RESERVATION#{}', $.orderId)" } },
  ],
} as const;
type SagaItem = keyof typeof SagaItems;

/**
 * Reads the order's item in each service's table, consistently, in one BatchGetItem (the AWS SDK
 * integration) into `$.read`: `$.read.Responses[<table>]` lists the item found (none when absent), and
 * `$.read.UnprocessedKeys` names the tables whose items DynamoDB did not read this time.
 */
const readSaga = (next: string): State => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::aws-sdk:dynamodb:batchGetItem',
  Parameters: {
    RequestItems: Object.fromEntries(
      Object.values(SagaItems).map(([table, key]) => [
        sub(table),
        {
          Keys: [key],
          ConsistentRead: true,
          // Only the status: nothing else of the order (addresses, lines) ends up in the execution's logs.
          ProjectionExpression: '#status',
          ExpressionAttributeNames: { '#status': 'status' },
        },
      ]),
    ),
  },
  ResultPath: '$.read',
  Retry: retry(['States.TaskFailed']),
  Next: next,
});

/** The path of one service's item as read, in the Responses of `readSaga` (bracketed: a table's name may hold any character). */
const itemOf = (item: SagaItem) => `$.read.Responses['${sub(SagaItems[item][0])}'][0]`;
/** Whether DynamoDB left one of the tables unread (throttled), so the saga must be read again. */
const unprocessed = (): ChoiceRule => ({
  Or: Object.values(SagaItems).map(([table]) => ({
    Variable: `$.read.UnprocessedKeys['${sub(table)}']`,
    IsPresent: true,
  })),
});

const status = (item: SagaItem) => `${itemOf(item)}.status.S`;
const absent = (path: string): ChoiceRule => ({ Not: { Variable: path, IsPresent: true } });
const is = (path: string, value: string): ChoiceRule => ({ Variable: path, StringEquals: value });
const isNot = (path: string, value: string): ChoiceRule => ({ Not: is(path, value) });
const isOneOf = (path: string, values: readonly string[]): ChoiceRule => ({
  Or: values.map((v) => is(path, v)),
});

/**
 * A finding is appended to `$.verdict.text`, the findings as the inside of a JSON array (`"A","B"`): the
 * JSONPath intrinsics can build strings but cannot append to an array.
 */
const findingState = (finding: AuditFinding, outcome: SagaOutcome) => `${outcome}: ${finding}`;
const addFinding = (finding: AuditFinding, next: string): State => ({
  Type: 'Pass',
  Parameters: {
    'text.$': `States.Format('{}{}"${finding}"', $.verdict.text, $.verdict.separator)`,
    separator: ',',
  },
  ResultPath: '$.verdict',
  Next: next,
});

type Result = AuditFinding | 'ok';
type Rules = [ChoiceRule, Result][];

/**
 * One check of the verdict: its rules, in order, each leading to the finding it reveals or on to `next`,
 * and the finding states it leads to. Rules are tried in order and the first match wins, so a rule that
 * compares a status comes after the rule that saw it absent (a Choice fails on a path that does not exist).
 */
const check = (outcome: SagaOutcome, rules: Rules, otherwise: Result, next: string) => {
  const target = (result: Result) => (result === 'ok' ? next : findingState(result, outcome));
  const findings = new Set<AuditFinding>();
  for (const result of [...rules.map(([, r]) => r), otherwise]) if (result !== 'ok') findings.add(result);
  const choice: State = {
    Type: 'Choice',
    Choices: rules.map(([rule, result]) => ({ ...rule, Next: target(result) })),
    Default: target(otherwise),
  };
  return [
    choice,
    [...findings].map((f) => [findingState(f, outcome), addFinding(f, next)] as const),
  ] as const;
};

/** The three checks of one outcome (order, payment, reservation), chained, ending in `Decide`. */
const checks = (
  outcome: SagaOutcome,
  order: Rules,
  [paymentRules, paymentOtherwise]: [Rules, Result],
  [reservationRules, reservationOtherwise]: [Rules, Result],
): Record<string, State> => {
  const names = {
    order: `${outcome}: check the order`,
    payment: `${outcome}: check the payment`,
    reservation: `${outcome}: check the reservation`,
  };
  const steps = [
    [names.order, check(outcome, order, 'ok', names.payment)],
    [names.payment, check(outcome, paymentRules, paymentOtherwise, names.reservation)],
    [names.reservation, check(outcome, reservationRules, reservationOtherwise, 'Decide')],
  ] as const;
  return Object.fromEntries(steps.flatMap(([name, [choice, findings]]) => [[name, choice], ...findings]));
};

/** The order's status must be `expected`; a status in `contradictions` is named by its own finding. */
const orderChecks = (expected: string, contradictions: Rules = []): Rules => [
  [absent(status('order')), F.ORDER_STATUS_MISMATCH],
  ...contradictions,
  [isNot(status('order'), expected), F.ORDER_STATUS_MISMATCH],
];

/**
 * Reading the saga: the three services' items in one BatchGetItem, read again while DynamoDB leaves any
 * unread; then the order must exist and the outcome be one the audit knows.
 */
const readingStates = (): Record<string, State> => ({
  'Read the saga': readSaga('Was everything read?'),
  // BatchGetItem may leave keys unprocessed when a table is throttled: read again after a pause.
  'Was everything read?': {
    Type: 'Choice',
    Choices: [{ ...unprocessed(), Next: 'Pause before reading again' }],
    Default: 'Is there such an order?',
  },
  'Pause before reading again': { Type: 'Wait', Seconds: 1, Next: 'Read the saga' },
  // Only the order service publishes the events that start an audit, after it recorded the order. An event
  // about an order it never recorded is malformed or forged: the audit refuses it and changes nothing (no
  // verdict, no SagaAudited); the failed execution is in the workflow's log.
  'Is there such an order?': {
    Type: 'Choice',
    Choices: [{ Variable: itemOf('order'), IsPresent: true, Next: 'Which outcome?' }],
    Default: 'No such order',
  },
  'No such order': {
    Type: 'Fail',
    Error: 'Audit.NoSuchOrder',
    Cause: 'The orders table has no order with the id of the event that started the audit',
  },
  'Which outcome?': {
    Type: 'Choice',
    Choices: [
      { ...is('$.outcome', CONFIRMED), Next: `${CONFIRMED}: check the order` },
      { ...is('$.outcome', CANCELLED), Next: 'Are the compensations done?' },
    ],
    Default: 'Unknown outcome',
  },
  'Unknown outcome': {
    Type: 'Fail',
    Error: 'Audit.UnknownOutcome',
    Cause: `The input's outcome must be one of ${SagaOutcome.options.join(', ')}`,
  },
});

/**
 * A cancelled saga waits for its compensations: while a payment is still CHARGED or absent, or a reservation
 * RESERVED or absent, it waits and reads again, at most AUDIT_MAX_WAITS times, then judges what it sees.
 */
const waitingStates = (): Record<string, State> => ({
  'Are the compensations done?': {
    Type: 'Choice',
    Choices: [
      {
        Variable: '$.waits',
        NumericGreaterThanEquals: AUDIT_MAX_WAITS,
        Next: `${CANCELLED}: check the order`,
      },
      { ...absent(status('payment')), Next: 'Wait for the compensations' },
      { ...is(status('payment'), Settled.paymentCharged), Next: 'Wait for the compensations' },
      { ...absent(status('reservation')), Next: 'Wait for the compensations' },
      { ...is(status('reservation'), Settled.reservationLive), Next: 'Wait for the compensations' },
    ],
    Default: `${CANCELLED}: check the order`,
  },
  'Wait for the compensations': {
    Type: 'Wait',
    Seconds: AUDIT_WAIT_SECONDS,
    Next: 'Count the wait',
  },
  'Count the wait': {
    Type: 'Pass',
    Parameters: {
      'orderId.$': '$.orderId',
      'outcome.$': '$.outcome',
      'waits.$': 'States.MathAdd($.waits, 1)',
      'verdict.$': '$.verdict',
    },
    Next: 'Read the saga',
  },
});

/** The checks of each outcome, each adding its findings to the verdict, then `Decide`: consistent or not. */
const judgingStates = (): Record<string, State> => ({
  ...checks(
    CONFIRMED,
    orderChecks(Settled.order.CONFIRMED),
    [
      [
        [absent(status('payment')), F.PAYMENT_NOT_CHARGED],
        [is(status('payment'), Settled.paymentCharged), 'ok'],
      ],
      F.PAYMENT_NOT_CHARGED,
    ],
    [
      [
        [absent(status('reservation')), F.RESERVATION_MISSING],
        [is(status('reservation'), Settled.reservationLive), 'ok'],
      ],
      F.RESERVATION_MISSING,
    ],
  ),
  ...checks(
    CANCELLED,
    // A cancellation of an order the order service confirmed is a forged (or misrouted) fact: payment and
    // inventory compensated a saga that had committed. Said plainly, not as a mere status mismatch.
    orderChecks(Settled.order.CANCELLED, [
      [is(status('order'), Settled.order.CONFIRMED), F.CONFIRMED_ORDER_CANCELLED],
    ]),
    [
      [
        [absent(status('payment')), F.PAYMENT_NOT_SETTLED],
        [is(status('payment'), Settled.paymentCharged), F.PAYMENT_NOT_REFUNDED],
        [isOneOf(status('payment'), Settled.paymentCompensated), 'ok'],
      ],
      F.PAYMENT_NOT_SETTLED,
    ],
    [
      [
        [absent(status('reservation')), F.RESERVATION_NOT_SETTLED],
        [is(status('reservation'), Settled.reservationLive), F.RESERVATION_NOT_RELEASED],
        [isOneOf(status('reservation'), Settled.reservationCompensated), 'ok'],
      ],
      F.RESERVATION_NOT_SETTLED,
    ],
  ),
  Decide: {
    Type: 'Choice',
    Choices: [{ Variable: '$.verdict.text', StringEquals: '', Next: 'Consistent' }],
    Default: 'Inconsistent',
  },
  // Parameters rather than `Result: false`, which aws-local-stepfunctions 3 ignores (falsy) in Pass states.
  Consistent: {
    Type: 'Pass',
    Parameters: { 'text.$': '$.verdict.text', consistent: true },
    ResultPath: '$.verdict',
    Next: 'Compose the verdict',
  },
  Inconsistent: {
    Type: 'Pass',
    Parameters: { 'text.$': '$.verdict.text', consistent: false },
    ResultPath: '$.verdict',
    Next: 'Compose the verdict',
  },
});

/** The verdict composed from the checks, recorded in the audit table, then published as SagaAudited. */
const recordingStates = (): Record<string, State> => ({
  'Compose the verdict': {
    Type: 'Pass',
    Parameters: {
      'orderId.$': '$.orderId',
      'outcome.$': '$.outcome',
      'consistent.$': '$.verdict.consistent',
      'findings.$': "States.StringToJson(States.Format('[{}]', $.verdict.text))",
      'waits.$': '$.waits',
      'auditedAt.$': '$$.State.EnteredTime',
    },
    Next: 'Record the verdict',
  },
  'Record the verdict': {
    Type: 'Task',
    Resource: 'arn:aws:states:::dynamodb:putItem',
    Parameters: {
      TableName: sub(AuditSubstitution.auditTable),
      Item: {
        orderId: { 'S.$': '$.orderId' },
        outcome: { 'S.$': '$.outcome' },
        consistent: { 'BOOL.$': '$.consistent' },
        findings: { 'S.$': 'States.JsonToString($.findings)' },
        waits: { 'N.$': "States.Format('{}', $.waits)" },
        auditedAt: { 'S.$': '$.auditedAt' },
      },
    },
    ResultPath: null,
    Retry: retry(['States.TaskFailed']),
    Next: `Publish ${SagaAudited.detailType}`,
  },
  [`Publish ${SagaAudited.detailType}`]: {
    Type: 'Task',
    Resource: 'arn:aws:states:::events:putEvents',
    Parameters: {
      Entries: [
        {
          EventBusName: sub(AuditSubstitution.eventBusName),
          Source: SagaAudited.source,
          DetailType: SagaAudited.detailType,
          Detail: {
            'orderId.$': '$.orderId',
            'occurredAt.$': '$.auditedAt',
            'outcome.$': '$.outcome',
            'consistent.$': '$.consistent',
            'findings.$': '$.findings',
          },
        },
      ],
    },
    ResultPath: null,
    Retry: retry(['EventBridge.FailedEntry', 'States.TaskFailed']),
    End: true,
  },
});

/**
 * The audit's state machine definition. Its input is `{orderId, outcome}`; its output is the verdict
 * `{orderId, outcome, consistent, findings, waits, auditedAt}`, which it also records and publishes.
 *
 * - CONFIRMED is consistent when the order is CONFIRMED, the payment CHARGED and the reservation RESERVED.
 * - CANCELLED is consistent when the order is CANCELLED, the payment DECLINED, TOMBSTONED (legacy:
 *   CANCELLED) or REFUNDED, and the reservation CANCELLED, RELEASED or FAILED. While a payment is still
 *   CHARGED or absent, or a reservation RESERVED or absent, the compensations may be under way: it waits and
 *   reads again, a bounded number of times, then judges what it sees.
 * - An order the orders table does not have fails the execution (`Audit.NoSuchOrder`) and records nothing.
 */
export const auditDefinition = () => ({
  Comment: 'Audits an order saga once it ended: reads the three services, records and publishes a verdict.',
  QueryLanguage: 'JSONPath',
  StartAt: 'Start',
  // Express workflows run for at most 5 minutes; the waits take 250 s of it.
  TimeoutSeconds: 300,
  States: {
    Start: {
      Type: 'Pass',
      Parameters: {
        'orderId.$': '$.orderId',
        'outcome.$': '$.outcome',
        waits: 0,
        verdict: { text: '', separator: '' },
      },
      Next: 'Read the saga',
    },
    ...readingStates(),
    ...waitingStates(),
    ...judgingStates(),
    ...recordingStates(),
  },
});

/** The definition with the stack's `${Name}` placeholders replaced by actual names (tests, local runtime). */
export const substitute = (definition: unknown, substitutions: AuditSubstitutions): unknown =>
  JSON.parse(
    JSON.stringify(definition).replace(/\$\{(\w+)\}/g, (placeholder, name: string) => {
      const value = (substitutions as Record<string, string>)[name];
      if (value === undefined) throw new Error(`No substitution for ${placeholder}`);
      return JSON.stringify(value).slice(1, -1);
    }),
  );
