/**
 * The invariants a chaos run must keep, checked after the run from what is left: the five tables in
 * DynamoDB Local (orders, payments, the gateway's ledger, inventory, audit verdicts), the event log and
 * the dead-letter queues. Reading (`readSnapshot`) and judging (`checkInvariants`) are apart, so the
 * judgement is a pure function that tests can feed with any state.
 */
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { LedgerEntry } from '../../../services/payment/adapters/simulated-gateway.js';
import {
  OrderCancelled,
  OrderConfirmed,
  type OrderPlaced,
  SagaAudited,
  type StockLine,
} from '../../../shared/events/index.js';
import type { LoggedEvent, Runtime } from '../emulator/runtime.js';
import { tableNames } from '../saga/boot.js';
import { eventOfDeadLetter } from '../saga/dead-letters.js';
import type { CustomerAnswer } from './customer-cancellations.js';
import { inconsistentVerdicts } from './verdicts.js';
import { NEVER_CONFIRMED, type Workload, type WorkloadOrder } from './workload.js';

/** The invariants, each with the sentence it checks. */
export const INVARIANTS = {
  terminal: 'every OrderPlaced ended in exactly one of CONFIRMED or CANCELLED',
  audited: 'every saga has a latest SagaAudited with consistent: true for the outcome it ended in',
  verdicts:
    'every inconsistent verdict recorded during the run is about a saga with a dead letter, or names a broken rule',
  'charged-once': 'each confirmed order was charged its total exactly once, and not refunded',
  'net-zero': 'each cancelled order has a net charge of zero',
  'single-charge': 'the gateway never saw two charges for one order, nor a charge for an unknown order',
  'stock-balance': 'for every SKU, final stock = initial stock − the quantities of confirmed orders',
  'stock-non-negative': 'no SKU is below zero, and the units held by reservations never exceed the stock',
  reservations: 'nothing is left reserved for a cancelled order; a confirmed order holds exactly its lines',
  'dlq-empty': 'the dead-letter queues are empty after the redrives',
  'dlq-alarmed': 'every dead-letter queue that received a dead letter raised the alarm on its depth',
  plausible: 'no order that cannot be paid or shipped (declined, insufficient funds, AQ) was confirmed',
  'customer-answers':
    "every answer to a customer's cancellation agrees with the end: 200 is CANCELLED, 409 CONFIRMED, never a 5xx",
} as const;
export type InvariantName = keyof typeof INVARIANTS;
export const InvariantNames = Object.keys(INVARIANTS) as InvariantName[];

/** One broken invariant: the saga (or SKU, or queue) it is about and what is wrong. */
export type Violation = {
  invariant: InvariantName;
  /** The saga (order id) the violation is about, when it is about one. */
  orderId?: string;
  /** What else it is about: a SKU, a queue. */
  subject?: string;
  detail: string;
};

/** Everything the checks know about one saga at the end of a run. */
export type SagaState = {
  orderId: string;
  kind?: WorkloadOrder['kind'];
  placed: OrderPlaced;
  order?: { status?: string; cancelReason?: string; cancelCause?: string };
  payment?: { status?: string; amountCents?: number };
  ledger?: Pick<LedgerEntry, 'chargesCreated' | 'refundsCreated' | 'amountCents' | 'outcome'>;
  reservation?: { status?: string; items?: StockLine[] };
  /** The verdict in the audit table (the last one written). */
  auditRecord?: { outcome?: string; consistent?: boolean; findings: string[] };
  /** Every SagaAudited of the saga on the bus, in arrival order: the last is the latest verdict. */
  audits: SagaAudited[];
  /** The detail-types of the saga's events on the bus, each once. */
  detailTypes: string[];
  /** The detail-types of the saga's events that were redriven out of a DLQ. */
  redriven: string[];
  /** The terminal events on the bus (a re-publish repeats one), in arrival order. */
  terminalEvents: { detailType: string; reason?: string }[];
  /** The last answer the storefront API gave the customer who asked to cancel the order, if one did. */
  customerAnswer?: CustomerAnswer;
};

/** A message still in a dead-letter queue, with the saga it belongs to when it names one. */
export type RemainingDeadLetter = { queueName: string; orderId?: string; reason: string };

/** The end state of a run, as the checks read it. */
export type ChaosSnapshot = {
  sagas: SagaState[];
  initialStock: Record<string, number>;
  /** The available stock of every SKU at the end (a SKU absent from the table is left out). */
  finalStock: Record<string, number>;
  /** Gateway ledger keys that belong to no order of the run. */
  unknownLedgerKeys: string[];
  deadLetters: RemainingDeadLetter[];
};

/** Every item of a table, strongly consistent. */
export const scanAll = async (
  documents: DynamoDBDocumentClient,
  tableName: string,
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
};

const byKey = (items: Record<string, unknown>[], key: string) =>
  new Map(items.map((item) => [String(item[key]), item]));

const findingsOf = (text: unknown): string[] => {
  if (Array.isArray(text)) return text.map(String);
  if (typeof text !== 'string' || text === '') return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.map(String) : [text];
  } catch {
    return [text];
  }
};

/** The detail-types of each saga's dead letters, by order id: what a redrive of the DLQs sends again. */
export const deadLettersBySaga = (runtime: Runtime): Map<string, string[]> => {
  const bySaga = new Map<string, string[]>();
  for (const queue of runtime.deadLetters()) {
    for (const message of queue.messages) {
      const { orderId, detailType } = eventOfDeadLetter(message.body);
      if (orderId === undefined) continue;
      bySaga.set(orderId, [...(bySaga.get(orderId) ?? []), detailType ?? '?']);
    }
  }
  return bySaga;
};

const TERMINAL_EVENTS: ReadonlySet<string> = new Set([OrderConfirmed.detailType, OrderCancelled.detailType]);

/** The sagas' events by order id, from the runtime's event log. */
const eventsByOrder = (events: readonly LoggedEvent[]): Map<string, LoggedEvent[]> => {
  const byOrder = new Map<string, LoggedEvent[]>();
  for (const logged of events) {
    const orderId = logged.event.detail.orderId;
    if (typeof orderId !== 'string') continue;
    const list = byOrder.get(orderId);
    if (list) list.push(logged);
    else byOrder.set(orderId, [logged]);
  }
  return byOrder;
};

/** What a saga's events say: its audits, its detail-types, its terminal events. */
const eventFacts = (timeline: readonly LoggedEvent[]) => {
  return {
    audits: timeline
      .filter(({ event }) => event['detail-type'] === SagaAudited.detailType)
      .map(({ event }) => event.detail as SagaAudited),
    detailTypes: [...new Set(timeline.map(({ event }) => event['detail-type']))],
    terminalEvents: timeline
      .filter(({ event }) => TERMINAL_EVENTS.has(event['detail-type']))
      .map(({ event }) => ({
        detailType: event['detail-type'],
        reason: typeof event.detail.reason === 'string' ? event.detail.reason : undefined,
      })),
  };
};

/**
 * Reads the end state of a run: every table of the stack, the event log and the dead-letter queues.
 * `workload` says which orders were placed, their kind, and the stock the run started from; `redriven`, the
 * dead letters the run redrove (`deadLettersBySaga` before the redrive); `customerAnswers`, what the API
 * answered the customers who asked to cancel.
 */
export const readSnapshot = async (
  runtime: Runtime,
  documents: DynamoDBDocumentClient,
  workload: Pick<Workload, 'orders' | 'stock'>,
  redriven: ReadonlyMap<string, string[]> = new Map(),
  customerAnswers: ReadonlyMap<string, CustomerAnswer> = new Map(),
): Promise<ChaosSnapshot> => {
  const tables = tableNames(runtime);
  const [orders, payments, ledger, inventory, audit] = await Promise.all([
    scanAll(documents, tables.orders),
    scanAll(documents, tables.payments),
    scanAll(documents, tables.paymentGateway),
    scanAll(documents, tables.inventory),
    scanAll(documents, tables.audit),
  ]);
  const ordersById = byKey(orders, 'orderId');
  const paymentsById = byKey(payments, 'orderId');
  const ledgerByKey = byKey(ledger, 'idempotencyKey');
  const inventoryByKey = byKey(inventory, 'pk');
  const auditById = byKey(audit, 'orderId');
  const events = eventsByOrder(runtime.events);

  const sagas = workload.orders.map(({ kind, order: placed }): SagaState => {
    const { orderId } = placed;
    const order = ordersById.get(orderId);
    const payment = paymentsById.get(orderId);
    const entry = ledgerByKey.get(orderId);
    const reservation = inventoryByKey.get(`RESERVATION#${orderId}`);
    const verdict = auditById.get(orderId);
    return {
      orderId,
      kind,
      placed,
      order: order && {
        status: order.status as string | undefined,
        cancelReason: order.cancelReason as string | undefined,
        cancelCause: order.cancelCause as string | undefined,
      },
      payment: payment && {
        status: payment.status as string | undefined,
        amountCents: payment.amountCents as number | undefined,
      },
      ledger: entry && {
        chargesCreated: Number(entry.chargesCreated ?? 0),
        refundsCreated: Number(entry.refundsCreated ?? 0),
        amountCents: Number(entry.amountCents),
        outcome: entry.outcome as LedgerEntry['outcome'],
      },
      reservation: reservation && {
        status: reservation.status as string | undefined,
        items: reservation.items as StockLine[] | undefined,
      },
      auditRecord: verdict && {
        outcome: verdict.outcome as string | undefined,
        consistent: verdict.consistent as boolean | undefined,
        findings: findingsOf(verdict.findings),
      },
      redriven: redriven.get(orderId) ?? [],
      ...eventFacts(events.get(orderId) ?? []),
      ...(customerAnswers.has(orderId) && { customerAnswer: customerAnswers.get(orderId) }),
    };
  });

  const placedIds = new Set(workload.orders.map(({ order }) => order.orderId));
  const finalStock: Record<string, number> = {};
  for (const item of inventory) {
    const pk = String(item.pk);
    if (pk.startsWith('SKU#')) finalStock[pk.slice('SKU#'.length)] = Number(item.available);
  }
  return {
    sagas,
    initialStock: { ...workload.stock },
    finalStock,
    unknownLedgerKeys: [...ledgerByKey.keys()].filter((key) => !placedIds.has(key)),
    deadLetters: runtime.deadLetters().flatMap((queue) =>
      queue.messages.map((message) => ({
        queueName: queue.queueName,
        orderId: eventOfDeadLetter(message.body).orderId,
        reason: message.reason,
      })),
    ),
  };
};

/** The quantities of an order's lines by SKU. */
const unitsBySku = (lines: readonly StockLine[]): Map<string, number> => {
  const units = new Map<string, number>();
  for (const { sku, quantity } of lines) units.set(sku, (units.get(sku) ?? 0) + quantity);
  return units;
};

const sameUnits = (a: Map<string, number>, b: Map<string, number>) =>
  a.size === b.size && [...a].every(([sku, quantity]) => b.get(sku) === quantity);

const describeUnits = (units: Map<string, number>) =>
  [...units].map(([sku, quantity]) => `${quantity}×${sku}`).join(', ') || 'nothing';

const TERMINAL = { CONFIRMED: 'CONFIRMED', CANCELLED: 'CANCELLED' } as const;

type Violate = (
  invariant: InvariantName,
  detail: string,
  about: { orderId?: string; subject?: string },
) => void;

/** The states a saga's order can end in. */
const endOf = (saga: SagaState) => {
  const status = saga.order?.status;
  return { status, confirmed: status === TERMINAL.CONFIRMED, cancelled: status === TERMINAL.CANCELLED };
};

/** terminal: the order ended, and the bus announced that one end, once. */
const checkTerminal = (saga: SagaState, violate: Violate) => {
  const about = { orderId: saga.orderId };
  const { status, confirmed, cancelled } = endOf(saga);
  const announced = new Set(saga.terminalEvents.map((e) => e.detailType));
  const reasons = new Set(saga.terminalEvents.flatMap((e) => (e.reason ? [e.reason] : [])));
  if (!confirmed && !cancelled) {
    violate('terminal', `the order is ${status ?? 'absent from the orders table'}`, about);
  } else if (announced.size !== 1 || reasons.size > 1) {
    violate(
      'terminal',
      `the order is ${status} but the bus carried ${
        saga.terminalEvents.map((e) => `${e.detailType}${e.reason ? `(${e.reason})` : ''}`).join(', ') ||
        'no terminal event'
      }`,
      about,
    );
  } else if (
    (confirmed && !announced.has(OrderConfirmed.detailType)) ||
    (cancelled && !announced.has(OrderCancelled.detailType))
  ) {
    violate('terminal', `the order is ${status} but the bus announced ${[...announced].join(', ')}`, about);
  }
};

/** audited: the latest verdict is consistent and agrees with the order and the audit table. */
const checkAudited = (saga: SagaState, violate: Violate) => {
  const about = { orderId: saga.orderId };
  const { status } = endOf(saga);
  const latest = saga.audits.at(-1);
  if (!latest) violate('audited', 'no SagaAudited', about);
  else if (!latest.consistent) {
    violate(
      'audited',
      `the latest SagaAudited (${latest.outcome}) is inconsistent: ${latest.findings.join(', ') || 'no finding'}`,
      about,
    );
  } else if (latest.outcome !== status) {
    violate('audited', `the latest SagaAudited says ${latest.outcome}, the order is ${status}`, about);
  } else if (saga.auditRecord?.consistent !== true || saga.auditRecord.outcome !== status) {
    violate(
      'audited',
      `the audit table's verdict is ${saga.auditRecord ? `${saga.auditRecord.outcome}, consistent ${saga.auditRecord.consistent}` : 'missing'}`,
      about,
    );
  }
};

/** charged-once, single-charge, net-zero: what the gateway's ledger says of the money. */
const checkMoney = (saga: SagaState, violate: Violate) => {
  const { placed } = saga;
  const about = { orderId: saga.orderId };
  const { confirmed, cancelled } = endOf(saga);
  const ledger = saga.ledger;
  const charges = ledger?.chargesCreated ?? 0;
  const refunds = ledger?.refundsCreated ?? 0;
  if (charges > 1) violate('single-charge', `the gateway created ${charges} charges`, about);
  if (confirmed) {
    if (charges !== 1 || refunds !== 0) {
      violate('charged-once', `charged ${charges} time(s), refunded ${refunds} time(s)`, about);
    } else if (ledger?.amountCents !== placed.amountCents) {
      violate('charged-once', `charged ${ledger?.amountCents} for a total of ${placed.amountCents}`, about);
    } else if (saga.payment?.status !== 'CHARGED') {
      violate('charged-once', `the payment is ${saga.payment?.status ?? 'absent'}, not CHARGED`, about);
    }
  }
  if (cancelled && charges !== refunds) {
    violate(
      'net-zero',
      `charged ${charges} time(s), refunded ${refunds} time(s) (payment ${saga.payment?.status ?? 'absent'})`,
      about,
    );
  } else if (cancelled && saga.payment?.status === 'CHARGED') {
    violate('net-zero', 'the payment is still CHARGED', about);
  }
};

/** reservations: what the saga holds in the inventory; adds its units to the run's totals. */
const checkReservations = (
  saga: SagaState,
  violate: Violate,
  units: { confirmedUnits: Map<string, number>; reservedUnits: Map<string, number> },
) => {
  const { placed } = saga;
  const { confirmedUnits, reservedUnits } = units;
  const about = { orderId: saga.orderId };
  const { confirmed, cancelled } = endOf(saga);
  const reservation = saga.reservation;
  const ordered = unitsBySku(placed.items);
  if (reservation?.status === 'RESERVED') {
    const held = unitsBySku(reservation.items ?? []);
    for (const [sku, quantity] of held) reservedUnits.set(sku, (reservedUnits.get(sku) ?? 0) + quantity);
    if (cancelled) violate('reservations', `${describeUnits(held)} still RESERVED`, about);
    else if (confirmed && !sameUnits(held, ordered)) {
      violate('reservations', `holds ${describeUnits(held)} for lines ${describeUnits(ordered)}`, about);
    }
  } else if (confirmed) {
    violate('reservations', `confirmed, but the reservation is ${reservation?.status ?? 'absent'}`, about);
  }
  if (confirmed) {
    for (const [sku, quantity] of ordered) confirmedUnits.set(sku, (confirmedUnits.get(sku) ?? 0) + quantity);
  }
};

/** plausible: no order that cannot be paid or shipped was confirmed. */
const checkPlausible = (saga: SagaState, violate: Violate) => {
  const { placed } = saga;
  const about = { orderId: saga.orderId };
  const { confirmed } = endOf(saga);
  if (confirmed && saga.kind !== undefined && NEVER_CONFIRMED.has(saga.kind)) {
    violate(
      'plausible',
      `a ${saga.kind} order (${placed.paymentToken}, ${placed.shipTo.country}) was confirmed`,
      about,
    );
  }
};

/** stock-balance, stock-non-negative: each SKU's final stock against the confirmed orders and the reservations. */
const checkStock = (
  snapshot: ChaosSnapshot,
  violate: Violate,
  {
    confirmedUnits,
    reservedUnits,
  }: { confirmedUnits: Map<string, number>; reservedUnits: Map<string, number> },
) => {
  const skus = new Set([...Object.keys(snapshot.initialStock), ...confirmedUnits.keys()]);
  for (const sku of [...skus].sort()) {
    const initial = snapshot.initialStock[sku] ?? 0;
    const final = snapshot.finalStock[sku];
    const about = { subject: sku };
    if (final === undefined) {
      violate('stock-balance', `${sku} is missing from the inventory table`, about);
      continue;
    }
    const expected = initial - (confirmedUnits.get(sku) ?? 0);
    if (final !== expected) {
      violate(
        'stock-balance',
        `${sku}: ${final} in stock, expected ${initial} − ${confirmedUnits.get(sku) ?? 0} confirmed = ${expected}`,
        about,
      );
    }
    const held = reservedUnits.get(sku) ?? 0;
    if (final < 0) violate('stock-non-negative', `${sku}: ${final} in stock`, about);
    else if (held > initial || initial - held !== final) {
      violate(
        'stock-non-negative',
        `${sku}: reservations hold ${held} of ${initial} units, and ${final} are available`,
        about,
      );
    }
  }
};

/**
 * customer-answers: a 200 described the order CANCELLED and it ended so; a 409 means it was CONFIRMED; no
 * customer was left with a server error. (A 404 says only that the order was not recorded yet.) Money and
 * stock of an order cancelled by its customer are checked as for any cancelled order.
 */
const checkCustomerAnswer = (saga: SagaState, violate: Violate) => {
  const answer = saga.customerAnswer;
  if (answer === undefined) return;
  const { status } = endOf(saga);
  const about = { orderId: saga.orderId };
  const said = `answered ${answer.status}${answer.orderStatus ? ` (${answer.orderStatus})` : ''} after ${answer.attempts} attempt(s)`;
  if (answer.status === 200 && (answer.orderStatus !== TERMINAL.CANCELLED || status !== TERMINAL.CANCELLED)) {
    violate('customer-answers', `${said}, and the order is ${status}`, about);
  } else if (answer.status === 409 && status !== TERMINAL.CONFIRMED) {
    violate('customer-answers', `${said}, and the order is ${status}`, about);
  } else if (![200, 404, 409].includes(answer.status)) {
    violate('customer-answers', said, about);
  }
};

/**
 * verdicts: an inconsistent verdict means a broken rule or a stuck step (a dead letter); one with neither
 * was recorded before work that was due had run, and would have paged for nothing.
 */
const checkVerdicts = (snapshot: ChaosSnapshot, violate: Violate) => {
  for (const { orderId, findings, cause } of inconsistentVerdicts(snapshot)) {
    if (cause !== 'neither') continue;
    violate(
      'verdicts',
      `an inconsistent verdict (${findings.join(', ') || 'no finding'}) for a saga with no dead letter and no broken rule`,
      { orderId },
    );
  }
};

/** Checks every invariant over the end state of a run; returns every violation found (none: all hold). */
export const checkInvariants = (snapshot: ChaosSnapshot): Violation[] => {
  const violations: Violation[] = [];
  const violate: Violate = (invariant, detail, about) => violations.push({ invariant, detail, ...about });
  const units = { confirmedUnits: new Map<string, number>(), reservedUnits: new Map<string, number>() };
  for (const saga of snapshot.sagas) {
    checkTerminal(saga, violate);
    checkAudited(saga, violate);
    checkMoney(saga, violate);
    checkReservations(saga, violate, units);
    checkPlausible(saga, violate);
    checkCustomerAnswer(saga, violate);
  }
  for (const key of snapshot.unknownLedgerKeys) {
    violate('single-charge', `the gateway holds an entry for ${key}, which no order of the run placed`, {
      subject: key,
    });
  }
  checkStock(snapshot, violate, units);
  checkVerdicts(snapshot, violate);
  for (const letter of snapshot.deadLetters) {
    violate('dlq-empty', `${letter.queueName} holds a message: ${letter.reason}`, {
      ...(letter.orderId !== undefined && { orderId: letter.orderId }),
      subject: letter.queueName,
    });
  }
  return violations;
};

/** The violations of each invariant (every invariant present, empty when it holds). */
export const violationsByInvariant = (
  violations: readonly Violation[],
): Record<InvariantName, Violation[]> => {
  const grouped = Object.fromEntries(InvariantNames.map((name) => [name, [] as Violation[]])) as Record<
    InvariantName,
    Violation[]
  >;
  for (const violation of violations) grouped[violation.invariant].push(violation);
  return grouped;
};

/** The first violation that names a saga (the one whose timeline is worth printing), else the first of all. */
export const firstViolation = (violations: readonly Violation[]): Violation | undefined =>
  violations.find((v) => v.orderId !== undefined) ?? violations[0];
