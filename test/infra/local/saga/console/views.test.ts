import { describe, expect, it } from 'vitest';
import type { AlarmStatus, LoggedEvent } from '../../../../../infra/local/emulator/runtime.js';
import {
  alarmsView,
  markOf,
  metricsView,
  sagaEvents,
  sagasView,
} from '../../../../../infra/local/saga/console/views.js';
import {
  InventoryReservationFailed,
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
  PaymentProcessed,
  PaymentRefunded,
  SagaAudited,
} from '../../../../../shared/events/index.js';

/** The console's views are pure functions of the event log: tested on a hand-made log, no runtime. */
type Fact = { detailType: string; source: string };
let next = 0;
const logged = (at: number, fact: Fact, detail: Record<string, unknown>, id = `e${++next}`): LoggedEvent => ({
  at,
  bus: 'order-saga',
  event: {
    version: '0',
    id,
    'detail-type': fact.detailType,
    source: fact.source,
    account: '000000000000',
    time: '2026-11-30T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  },
});

const CONFIRMED = 'order-confirmed';
const CANCELLED = 'order-cancelled';
const IN_FLIGHT = 'order-in-flight';
const placed = (orderId: string, at: number) =>
  logged(at, OrderPlaced, { orderId, amountCents: 7499, currency: 'USD' });

const LOG: LoggedEvent[] = [
  placed(CONFIRMED, 0),
  logged(10, PaymentProcessed, { orderId: CONFIRMED }),
  logged(20, InventoryReserved, { orderId: CONFIRMED }),
  logged(30, OrderConfirmed, { orderId: CONFIRMED }),
  logged(40, SagaAudited, { orderId: CONFIRMED, consistent: true, findings: [] }),
  placed(CANCELLED, 100),
  logged(110, PaymentProcessed, { orderId: CANCELLED }),
  logged(120, InventoryReservationFailed, { orderId: CANCELLED }),
  logged(130, OrderCancelled, { orderId: CANCELLED, reason: 'OUT_OF_STOCK', cause: 'INSUFFICIENT_STOCK' }),
  logged(140, PaymentRefunded, { orderId: CANCELLED }, 'refund'),
  logged(150, PaymentRefunded, { orderId: CANCELLED }, 'refund'),
  logged(160, SagaAudited, { orderId: CANCELLED, consistent: false, findings: ['PAYMENT_NOT_REFUNDED'] }),
  logged(170, SagaAudited, { orderId: CANCELLED, consistent: false, findings: ['PAYMENT_NOT_REFUNDED'] }),
  placed(IN_FLIGHT, 200),
];

describe('the console views', () => {
  it('lists one row per saga, newest first, with its status, reason, amount and audit', () => {
    const { sagas } = sagasView(LOG);

    expect(sagas.map((s) => s.orderId)).toEqual([IN_FLIGHT, CANCELLED, CONFIRMED]);
    expect(sagas[1]).toMatchObject({
      status: 'CANCELLED',
      reason: 'OUT_OF_STOCK',
      cause: 'INSUFFICIENT_STOCK',
      amountCents: 7499,
      verdict: 'INCONSISTENT',
      findings: ['PAYMENT_NOT_REFUNDED'],
      firstAt: 100,
      lastAt: 170,
    });
    expect(sagas[0]).toMatchObject({ status: 'IN_FLIGHT', verdict: 'NONE' });
  });

  it('counts the sagas in flight, confirmed, cancelled by reason and found inconsistent', () => {
    expect(sagasView(LOG).counts).toEqual({
      total: 3,
      inFlight: 1,
      confirmed: 1,
      cancelled: { OUT_OF_STOCK: 1 },
      inconsistent: 1,
    });
  });

  it('marks compensations, a duplicate delivery of one event, and an event published again', () => {
    const events = sagaEvents(LOG.filter(({ event }) => event.detail.orderId === CANCELLED));

    expect(events.map(markOf)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'compensation',
      'compensation, duplicate',
      undefined,
      'again',
    ]);
  });

  it('counts the funnel per saga and the ended sagas’ durations as percentiles', () => {
    expect(metricsView(LOG)).toEqual({
      funnel: { placed: 3, paid: 2, reserved: 1, confirmed: 1, cancelled: 1 },
      durationMs: { count: 2, p50: 40, p90: 70, p99: 70, max: 70 },
    });
  });

  it('lists the alarms in ALARM first, each with how often it fired', () => {
    const alarm = (alarmName: string, state: AlarmStatus['state'], fired: number) =>
      ({
        alarmName,
        state,
        reason: 'r',
        updatedAt: 't',
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        statistic: 'Maximum',
        transitions: Array.from({ length: fired }, () => ({ from: 'OK', to: 'ALARM', reason: 'r', at: 't' })),
      }) as unknown as AlarmStatus;

    const view = alarmsView([
      alarm('a-ok', 'OK', 1),
      alarm('b-alarm', 'ALARM', 2),
      alarm('c-none', 'INSUFFICIENT_DATA', 0),
    ]);

    expect(view.map((a) => [a.alarmName, a.state, a.fired])).toEqual([
      ['b-alarm', 'ALARM', 2],
      ['c-none', 'INSUFFICIENT_DATA', 0],
      ['a-ok', 'OK', 1],
    ]);
  });
});
