import { describe, expect, it } from 'vitest';
import {
  type ChaosSnapshot,
  checkInvariants,
  type SagaState,
} from '../../../../infra/local/chaos/invariants.js';
import { createWorkload, NEVER_CONFIRMED, OrderKinds } from '../../../../infra/local/chaos/workload.js';
import { OrderPlaced, type SagaAudited } from '../../../../shared/events/index.js';

const placed = (orderId: string, sku: string, quantity: number, unitPriceCents = 1000): OrderPlaced =>
  OrderPlaced.detail.parse({
    orderId,
    occurredAt: '2025-01-01T10:00:00.000Z',
    customerId: 'c-1',
    items: [{ sku, quantity, unitPriceCents }],
    currency: 'USD',
    amountCents: quantity * unitPriceCents,
    paymentToken: 'tok_visa',
    shipTo: { country: 'US' },
  });

const audited = (
  orderId: string,
  outcome: SagaAudited['outcome'],
  findings: SagaAudited['findings'] = [],
): SagaAudited => ({
  orderId,
  occurredAt: '2025-01-01T10:00:05.000Z',
  outcome,
  consistent: findings.length === 0,
  findings,
});

/** A confirmed saga (2 × A) and a cancelled one (1 × A, charged then refunded), both as they should end. */
const consistentSnapshot = (): ChaosSnapshot => {
  const confirmed: SagaState = {
    orderId: 'o-confirmed',
    kind: 'pay',
    placed: placed('o-confirmed', 'A', 2),
    order: { status: 'CONFIRMED' },
    payment: { status: 'CHARGED', amountCents: 2000 },
    ledger: { chargesCreated: 1, refundsCreated: 0, amountCents: 2000, outcome: 'CHARGED' },
    reservation: { status: 'RESERVED', items: [{ sku: 'A', quantity: 2 }] },
    auditRecord: { outcome: 'CONFIRMED', consistent: true, findings: [] },
    audits: [audited('o-confirmed', 'CONFIRMED')],
    detailTypes: ['OrderPlaced', 'PaymentProcessed', 'InventoryReserved', 'OrderConfirmed', 'SagaAudited'],
    redriven: [],
    terminalEvents: [{ detailType: 'OrderConfirmed' }],
  };
  const cancelled: SagaState = {
    orderId: 'o-cancelled',
    kind: 'pay',
    placed: placed('o-cancelled', 'A', 1),
    order: { status: 'CANCELLED', cancelReason: 'OUT_OF_STOCK' },
    payment: { status: 'REFUNDED', amountCents: 1000 },
    ledger: { chargesCreated: 1, refundsCreated: 1, amountCents: 1000, outcome: 'CHARGED' },
    reservation: { status: 'FAILED', items: [{ sku: 'A', quantity: 1 }] },
    auditRecord: { outcome: 'CANCELLED', consistent: true, findings: [] },
    audits: [audited('o-cancelled', 'CANCELLED')],
    detailTypes: ['OrderPlaced', 'PaymentProcessed', 'OrderCancelled', 'PaymentRefunded', 'SagaAudited'],
    redriven: [],
    terminalEvents: [{ detailType: 'OrderCancelled', reason: 'OUT_OF_STOCK' }],
  };
  return {
    sagas: [confirmed, cancelled],
    initialStock: { A: 2 },
    finalStock: { A: 0 },
    unknownLedgerKeys: [],
    deadLetters: [],
  };
};

/** The snapshot with one saga changed. */
const withSaga = (index: 0 | 1, change: (saga: SagaState) => Partial<SagaState>): ChaosSnapshot => {
  const snapshot = consistentSnapshot();
  const saga = snapshot.sagas[index] as SagaState;
  snapshot.sagas[index] = { ...saga, ...change(saga) };
  return snapshot;
};

const invariantsBroken = (snapshot: ChaosSnapshot) => [
  ...new Set(checkInvariants(snapshot).map((violation) => violation.invariant)),
];

describe('the chaos invariants', () => {
  it('hold over sagas that ended as they must', () => {
    expect(checkInvariants(consistentSnapshot())).toEqual([]);
  });

  it('catch an order left PENDING', () => {
    expect(
      invariantsBroken(withSaga(0, () => ({ order: { status: 'PENDING' }, terminalEvents: [] }))),
    ).toContain('terminal');
  });

  it('catch a saga announced both confirmed and cancelled', () => {
    const snapshot = withSaga(0, (saga) => ({
      terminalEvents: [...saga.terminalEvents, { detailType: 'OrderCancelled', reason: 'DEADLINE_EXCEEDED' }],
    }));
    expect(invariantsBroken(snapshot)).toEqual(['terminal']);
  });

  it('catch a saga never audited, or whose latest verdict is inconsistent', () => {
    expect(invariantsBroken(withSaga(1, () => ({ audits: [] })))).toEqual(['audited']);
    const inconsistent = audited('o-cancelled', 'CANCELLED', ['PAYMENT_NOT_REFUNDED']);
    const violations = checkInvariants(
      withSaga(1, () => ({ audits: [inconsistent], redriven: ['OrderCancelled'] })),
    );
    expect(violations).toEqual([expect.objectContaining({ invariant: 'audited', orderId: 'o-cancelled' })]);
  });

  it('accept an inconsistent verdict followed by a consistent one, for a saga with a dead letter', () => {
    const stuck = audited('o-cancelled', 'CANCELLED', ['RESERVATION_NOT_SETTLED']);
    const settled = audited('o-cancelled', 'CANCELLED');
    const snapshot = withSaga(1, () => ({ audits: [stuck, settled], redriven: ['OrderCancelled'] }));

    expect(checkInvariants(snapshot)).toEqual([]);
  });

  it('catch an inconsistent verdict with neither a dead letter nor a broken rule, even once settled', () => {
    const early = audited('o-cancelled', 'CANCELLED', ['PAYMENT_NOT_REFUNDED']);
    const settled = audited('o-cancelled', 'CANCELLED');
    const violations = checkInvariants(withSaga(1, () => ({ audits: [early, settled] })));

    expect(violations).toEqual([
      expect.objectContaining({
        invariant: 'verdicts',
        orderId: 'o-cancelled',
        detail: expect.stringContaining('PAYMENT_NOT_REFUNDED'),
      }),
    ]);
  });

  it('count a dead letter still in its queue as what made a verdict inconsistent', () => {
    const stuck = audited('o-cancelled', 'CANCELLED', ['PAYMENT_NOT_REFUNDED']);
    const snapshot = withSaga(1, () => ({ audits: [stuck, audited('o-cancelled', 'CANCELLED')] }));
    snapshot.deadLetters = [{ queueName: 'PaymentFailures', orderId: 'o-cancelled', reason: 'crashed' }];

    expect(invariantsBroken(snapshot)).toEqual(['dlq-empty']);
  });

  it('leave an inconsistent verdict that names a broken rule to the audited invariant', () => {
    const forged = audited('o-confirmed', 'CANCELLED', ['CONFIRMED_ORDER_CANCELLED']);
    const snapshot = withSaga(0, (saga) => ({ audits: [...saga.audits, forged] }));

    expect(invariantsBroken(snapshot)).toEqual(['audited']);
  });

  it('catch a confirmed order charged twice, refunded, or charged the wrong amount', () => {
    const ledger = { chargesCreated: 1, refundsCreated: 0, amountCents: 2000, outcome: 'CHARGED' as const };
    expect(invariantsBroken(withSaga(0, () => ({ ledger: { ...ledger, chargesCreated: 2 } })))).toEqual([
      'single-charge',
      'charged-once',
    ]);
    expect(invariantsBroken(withSaga(0, () => ({ ledger: { ...ledger, refundsCreated: 1 } })))).toEqual([
      'charged-once',
    ]);
    expect(invariantsBroken(withSaga(0, () => ({ ledger: { ...ledger, amountCents: 1999 } })))).toEqual([
      'charged-once',
    ]);
  });

  it('catch a cancelled order whose charge was not refunded', () => {
    const snapshot = withSaga(1, () => ({
      ledger: { chargesCreated: 1, refundsCreated: 0, amountCents: 1000, outcome: 'CHARGED' },
    }));
    expect(invariantsBroken(snapshot)).toEqual(['net-zero']);
  });

  it('catch a charge for an order the run never placed', () => {
    expect(invariantsBroken({ ...consistentSnapshot(), unknownLedgerKeys: ['o-ghost'] })).toEqual([
      'single-charge',
    ]);
  });

  it('catch stock that does not balance with the confirmed orders, or went below zero', () => {
    expect(invariantsBroken({ ...consistentSnapshot(), finalStock: { A: 1 } })).toEqual([
      'stock-balance',
      'stock-non-negative',
    ]);
    expect(
      invariantsBroken({ ...consistentSnapshot(), initialStock: { A: 1 }, finalStock: { A: -1 } }),
    ).toEqual(['stock-non-negative']);
  });

  it('catch a reservation left for a cancelled order, or missing for a confirmed one', () => {
    const leftReserved = withSaga(1, () => ({
      reservation: { status: 'RESERVED', items: [{ sku: 'A', quantity: 1 }] },
    }));
    expect(invariantsBroken(leftReserved)).toContain('reservations');
    expect(invariantsBroken(withSaga(0, () => ({ reservation: { status: 'RELEASED' } })))).toContain(
      'reservations',
    );
  });

  it('catch a dead letter left after the redrive', () => {
    const snapshot = {
      ...consistentSnapshot(),
      deadLetters: [
        { queueName: 'PaymentOnOrderCancelledFailures', orderId: 'o-cancelled', reason: 'RetriesExhausted' },
      ],
    };
    expect(checkInvariants(snapshot)).toEqual([
      expect.objectContaining({ invariant: 'dlq-empty', orderId: 'o-cancelled' }),
    ]);
  });

  it('catch a confirmed order that could not have been paid', () => {
    expect(invariantsBroken(withSaga(0, () => ({ kind: 'declined' })))).toEqual(['plausible']);
  });

  it("hold over customers' answers that agree with the end: 200 for a cancelled order, 409 or 404 otherwise", () => {
    const answered = (status: number, orderStatus?: string) => ({
      customerAnswer: { status, orderStatus, attempts: 1 },
    });
    const snapshot = consistentSnapshot();
    snapshot.sagas = [
      { ...(snapshot.sagas[0] as SagaState), ...answered(409) },
      { ...(snapshot.sagas[1] as SagaState), ...answered(200, 'CANCELLED') },
    ];

    expect(checkInvariants(snapshot)).toEqual([]);
    expect(invariantsBroken(withSaga(0, () => answered(404)))).toEqual([]);
  });

  it("catch a customer's answer that the end contradicts, or a server error left to the customer", () => {
    expect(
      invariantsBroken(
        withSaga(0, () => ({ customerAnswer: { status: 200, orderStatus: 'CANCELLED', attempts: 1 } })),
      ),
    ).toEqual(['customer-answers']);
    expect(invariantsBroken(withSaga(1, () => ({ customerAnswer: { status: 409, attempts: 1 } })))).toEqual([
      'customer-answers',
    ]);
    expect(invariantsBroken(withSaga(1, () => ({ customerAnswer: { status: 503, attempts: 9 } })))).toEqual([
      'customer-answers',
    ]);
  });
});

describe('the chaos workload', () => {
  it('is the same for the same seed, and different for another', () => {
    const now = () => new Date('2025-01-01T00:00:00.000Z');
    expect(createWorkload({ sagas: 50, seed: 3, now })).toEqual(createWorkload({ sagas: 50, seed: 3, now }));
    expect(createWorkload({ sagas: 50, seed: 4, now }).orders).not.toEqual(
      createWorkload({ sagas: 50, seed: 3, now }).orders,
    );
  });

  it('places valid orders of 1 to 4 lines, every kind of order, on a stock short of the demand', () => {
    const workload = createWorkload({ sagas: 1000, seed: 1 });
    const demand = new Map<string, number>();
    for (const { order } of workload.orders) {
      expect(OrderPlaced.detail.safeParse(order).success).toBe(true);
      expect(order.items.length).toBeGreaterThanOrEqual(1);
      expect(order.items.length).toBeLessThanOrEqual(4);
      for (const line of order.items) demand.set(line.sku, (demand.get(line.sku) ?? 0) + line.quantity);
    }
    expect(new Set(workload.orders.map((o) => o.kind))).toEqual(new Set(OrderKinds));
    expect(workload.catalogue).toHaveLength(20);
    const supply = Object.values(workload.stock).reduce((sum, n) => sum + n, 0);
    const wanted = [...demand.values()].reduce((sum, n) => sum + n, 0);
    expect(supply).toBeLessThan(wanted * 0.8);
    const rejected = workload.orders.filter((o) => o.kind === 'rejected');
    expect(rejected.every((o) => o.order.shipTo.country === 'AQ')).toBe(true);
    expect(workload.orders.filter((o) => NEVER_CONFIRMED.has(o.kind)).length).toBeGreaterThan(100);
  });

  it('has a share of customers cancel at moments of their own, without changing the orders of the seed', () => {
    const now = () => new Date('2025-01-01T00:00:00.000Z');
    const workload = createWorkload({ sagas: 1000, seed: 1, now });
    const none = createWorkload({ sagas: 1000, seed: 1, now, customerCancels: 0 });

    const moments = workload.orders.flatMap((o) =>
      o.cancelAfterEvents === undefined ? [] : [o.cancelAfterEvents],
    );
    expect(moments.length).toBeGreaterThan(150);
    expect(moments.length).toBeLessThan(250);
    expect(new Set(moments)).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    expect(none.orders.every((o) => o.cancelAfterEvents === undefined)).toBe(true);
    expect(workload.orders.map(({ kind, order }) => ({ kind, order }))).toEqual(none.orders);
    expect(workload.stock).toEqual(none.stock);
  });
});
