/**
 * The console's JSON views of a running runtime: every saga from the event log, one saga with its events,
 * diagram and table items, and the dead letters with why each failed. Pure functions of the log where they
 * can be, so the page and the tests read the same facts the CLI prints.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  InventoryReleased,
  InventoryReservationVoided,
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
  PaymentProcessed,
  PaymentRefunded,
  PaymentVoided,
  SagaAudited,
} from '../../../../shared/events/index.js';
import type { AlarmStatus, LoggedEvent, Runtime } from '../../emulator/runtime.js';
import { summarize as latencies } from '../bench/percentiles.js';
import { localDocumentClient, runningTables } from '../boot.js';
import { denialOf, eventOfDeadLetter } from '../dead-letters.js';
import { summarize } from '../summaries.js';
import { consumersOf, mermaidOf, timelineOf } from '../timeline.js';

/** Where a saga stands: not ended yet, or its latest terminal event. */
export type SagaStatus = 'IN_FLIGHT' | 'CONFIRMED' | 'CANCELLED';

/** The audit's word on a saga: none yet, or its latest SagaAudited. */
export type Verdict = 'NONE' | 'CONSISTENT' | 'INCONSISTENT';

/** One row of the sagas table. */
export type SagaRow = {
  orderId: string;
  status: SagaStatus;
  reason?: string;
  cause?: string;
  amountCents?: number;
  currency?: string;
  /** Arrival of its first and latest event, in ms since the runtime started. */
  firstAt: number;
  lastAt: number;
  verdict: Verdict;
  findings: string[];
  events: number;
};

/** The counts at the top of the sagas table. */
export type SagaCounts = {
  total: number;
  inFlight: number;
  confirmed: number;
  cancelled: Record<string, number>;
  inconsistent: number;
};

/** What a compensation publishes when it lands: its refund or release, or the void of a step that never ran. */
const COMPENSATIONS = new Set<string>([
  PaymentRefunded.detailType,
  PaymentVoided.detailType,
  InventoryReleased.detailType,
  InventoryReservationVoided.detailType,
]);

const detailOf = (events: readonly LoggedEvent[], detailType: string) =>
  events.findLast(({ event }) => event['detail-type'] === detailType)?.event.detail;

/** A saga's row from its events (arrival order). */
export const sagaRow = (orderId: string, events: readonly LoggedEvent[]): SagaRow => {
  const terminal: string[] = [OrderConfirmed.detailType, OrderCancelled.detailType];
  const ended = events.findLast(({ event }) => terminal.includes(event['detail-type']));
  const status: SagaStatus = !ended
    ? 'IN_FLIGHT'
    : ended.event['detail-type'] === OrderConfirmed.detailType
      ? 'CONFIRMED'
      : 'CANCELLED';
  const cancelled = status === 'CANCELLED' ? ended?.event.detail : undefined;
  const placed = detailOf(events, OrderPlaced.detailType);
  const audit = detailOf(events, SagaAudited.detailType) as Partial<SagaAudited> | undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const count = (value: unknown) => (typeof value === 'number' ? value : undefined);
  return {
    orderId,
    status,
    ...(text(cancelled?.reason) && { reason: text(cancelled?.reason) }),
    ...(text(cancelled?.cause) && { cause: text(cancelled?.cause) }),
    ...(count(placed?.amountCents) !== undefined && { amountCents: count(placed?.amountCents) }),
    ...(text(placed?.currency) && { currency: text(placed?.currency) }),
    firstAt: events[0]?.at ?? 0,
    lastAt: events.at(-1)?.at ?? 0,
    verdict: !audit ? 'NONE' : audit.consistent ? 'CONSISTENT' : 'INCONSISTENT',
    findings: Array.isArray(audit?.findings) ? audit.findings.map(String) : [],
    events: events.length,
  };
};

/** Every saga of the log (one per `detail.orderId`), newest first, with the counts. */
export const sagasView = (log: readonly LoggedEvent[]): { counts: SagaCounts; sagas: SagaRow[] } => {
  const byOrder = new Map<string, LoggedEvent[]>();
  for (const logged of log) {
    const orderId = logged.event.detail.orderId;
    if (typeof orderId !== 'string') continue;
    const list = byOrder.get(orderId) ?? [];
    list.push(logged);
    byOrder.set(orderId, list);
  }
  const sagas = [...byOrder].map(([orderId, events]) => sagaRow(orderId, events)).reverse();
  const counts: SagaCounts = {
    total: sagas.length,
    inFlight: 0,
    confirmed: 0,
    cancelled: {},
    inconsistent: 0,
  };
  for (const saga of sagas) {
    if (saga.status === 'IN_FLIGHT') counts.inFlight++;
    if (saga.status === 'CONFIRMED') counts.confirmed++;
    if (saga.status === 'CANCELLED') {
      const reason = saga.reason ?? 'UNKNOWN';
      counts.cancelled[reason] = (counts.cancelled[reason] ?? 0) + 1;
    }
    if (saga.verdict === 'INCONSISTENT') counts.inconsistent++;
  }
  return { counts, sagas };
};

/** One event of a saga as the page shows it: what it means, and whether it repeats or compensates. */
export type SagaEventView = {
  id: string;
  at: number;
  source: string;
  detailType: string;
  summary: string;
  detail: Record<string, unknown>;
  /** The same event id was accepted before: a duplicate put (a retried publish). */
  duplicate: boolean;
  /** A detail-type seen before in this saga under another id: published again (a retry or a re-audit). */
  repeated: boolean;
  compensation: boolean;
};

/** A saga's events, marked. */
export const sagaEvents = (events: readonly LoggedEvent[]): SagaEventView[] => {
  const ids = new Set<string>();
  const types = new Set<string>();
  return events.map(({ at, event }) => {
    const detailType = event['detail-type'];
    const view = {
      id: event.id,
      at,
      source: event.source,
      detailType,
      summary: summarize(detailType, event.detail),
      detail: event.detail,
      duplicate: ids.has(event.id),
      repeated: !ids.has(event.id) && types.has(detailType),
      compensation: COMPENSATIONS.has(detailType),
    };
    ids.add(event.id);
    types.add(detailType);
    return view;
  });
};

/** The words that mark an event in the diagram and the list: compensation, duplicate, again. */
export const markOf = (event: SagaEventView): string | undefined =>
  [event.compensation && 'compensation', event.duplicate && 'duplicate', event.repeated && 'again']
    .filter(Boolean)
    .join(', ') || undefined;

/** The order, payment and reservation items of a saga now, read from the runtime's DynamoDB Local. */
export const sagaItems = async (runtime: Runtime, orderId: string) => {
  const tables = runningTables(runtime);
  const client = localDocumentClient(runtime);
  // A service whose stack is not running has no item to show.
  const get = async (TableName: string | undefined, Key: Record<string, string>) =>
    TableName === undefined
      ? null
      : ((await client.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item ?? null);
  try {
    const [order, payment, reservation] = await Promise.all([
      get(tables.orders, { orderId }),
      get(tables.payments, { orderId }),
      get(tables.inventory, { pk: `RESERVATION#${orderId}` }),
    ]);
    return { order, payment, reservation };
  } finally {
    client.destroy();
  }
};

/** One saga: its row, its marked events, its Mermaid diagram and its items now; undefined when unknown. */
export const sagaView = async (runtime: Runtime, orderId: string) => {
  const events = timelineOf(runtime.events, orderId);
  if (events.length === 0) return undefined;
  const marked = sagaEvents(events);
  return {
    saga: sagaRow(orderId, events),
    events: marked,
    mermaid: mermaidOf(events, consumersOf(runtime.app), marked.map(markOf)),
    items: await sagaItems(runtime, orderId),
  };
};

/** The dead-letter queues with each message's saga, event and reason, and the IAM denial behind it if any. */
export const deadLettersView = (runtime: Runtime) =>
  runtime.deadLetters().map((queue) => ({
    queueName: queue.queueName,
    messages: queue.messages.map((message) => {
      const { orderId, detailType } = eventOfDeadLetter(message.body);
      const denied = denialOf(message.reason);
      return {
        messageId: message.messageId,
        from:
          message.from.kind === 'function'
            ? message.from.functionName
            : `${message.from.ruleName} → ${message.from.targetId}`,
        reason: message.reason,
        ...(orderId && { orderId }),
        ...(detailType && { detailType }),
        ...(denied && { denied }),
        body: message.body,
      };
    }),
  }));

/**
 * The business funnel (how many sagas reached each step, and how they ended) and the ended sagas'
 * durations (first to last event, ms) as nearest-rank percentiles: what the services' EMF metrics count,
 * read from the same event log the sagas table reads.
 */
export const metricsView = (log: readonly LoggedEvent[]) => {
  const { sagas } = sagasView(log);
  const reached = (detailType: string) =>
    new Set(
      log.flatMap(({ event }) =>
        event['detail-type'] === detailType && typeof event.detail.orderId === 'string'
          ? [event.detail.orderId]
          : [],
      ),
    ).size;
  return {
    funnel: {
      placed: reached(OrderPlaced.detailType),
      paid: reached(PaymentProcessed.detailType),
      reserved: reached(InventoryReserved.detailType),
      confirmed: reached(OrderConfirmed.detailType),
      cancelled: reached(OrderCancelled.detailType),
    },
    durationMs: latencies(sagas.filter((s) => s.status !== 'IN_FLIGHT').map((s) => s.lastAt - s.firstAt)),
  };
};

/** The template's alarms as the runtime evaluates them: those in ALARM first, each with how often it fired. */
export const alarmsView = (alarms: readonly AlarmStatus[]) => {
  const order = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 } as const;
  return [...alarms]
    .sort((a, b) => order[a.state] - order[b.state] || a.alarmName.localeCompare(b.alarmName))
    .map((alarm) => ({
      alarmName: alarm.alarmName,
      state: alarm.state,
      reason: alarm.reason,
      updatedAt: alarm.updatedAt,
      fired: alarm.transitions.filter((t) => t.to === 'ALARM').length,
      metric: `${alarm.namespace} ${alarm.metricName} ${alarm.statistic}`,
      ...(alarm.description && { description: alarm.description }),
    }));
};
