import { describe, expect, it } from 'vitest';
import {
  CUSTOMER_CANCELLATION,
  DEADLINE_EXCEEDED,
  type DecisionContext,
  decide,
  type Order,
  type OrderFact,
  OrderNotFoundError,
  terminalEventsOf,
} from '../../../../services/order/domain/order.js';
import {
  InventoryReservationFailed,
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
  PaymentFailed,
} from '../../../../shared/events/index.js';
import { detailOf, UNSERVED_COUNTRY } from '../../support/events.js';

const ORDER_ID = 'order-0001';
const T0 = new Date('2025-01-01T00:00:00.000Z');
const at = (seconds: number): DecisionContext => ({
  now: new Date(T0.getTime() + seconds * 1000),
  deadlineSeconds: 900,
});

const placed = (overrides: Record<string, unknown> = {}): OrderFact => ({
  type: OrderPlaced.detailType,
  detail: detailOf(OrderPlaced, ORDER_ID, overrides),
});
const paymentFailed: OrderFact = {
  type: PaymentFailed.detailType,
  detail: detailOf(PaymentFailed, ORDER_ID),
};
const reserved: OrderFact = {
  type: InventoryReserved.detailType,
  detail: detailOf(InventoryReserved, ORDER_ID),
};
const reservationFailed: OrderFact = {
  type: InventoryReservationFailed.detailType,
  detail: detailOf(InventoryReservationFailed, ORDER_ID),
};
const deadlineExceeded: OrderFact = { type: DEADLINE_EXCEEDED, orderId: ORDER_ID };
const customerCancels: OrderFact = { type: CUSTOMER_CANCELLATION, orderId: ORDER_ID };

/** Applies facts in order (the i-th at second i), returning the final state and every event emitted. */
const run = (facts: OrderFact[], start?: Order) =>
  facts.reduce(
    ({ state, emitted }, fact, index) => {
      const decision = decide(state, fact, at(index));
      return { state: decision.state, emitted: [...emitted, ...decision.emit] };
    },
    { state: start, emitted: [] as ReturnType<typeof decide>['emit'] },
  );

describe('the order decision', () => {
  it('records a placed order as PENDING with a deadline counted from its receipt, emitting nothing', () => {
    const decision = decide(undefined, placed(), at(0));

    expect(decision.changed).toBe(true);
    expect(decision.emit).toEqual([]);
    expect(decision.state).toMatchObject({
      orderId: ORDER_ID,
      status: 'PENDING',
      receivedAt: '2025-01-01T00:00:00.000Z',
      deadlineAt: '2025-01-01T00:15:00.000Z',
      placed: { customerId: 'customer-42', amountCents: 3399, currency: 'EUR', shipTo: { country: 'FR' } },
    });
  });

  it('does not keep the payment token, which belongs to the payment service', () => {
    const { state } = decide(undefined, placed(), at(0));

    expect(state.placed).not.toHaveProperty('paymentToken');
  });

  it('rejects an order to a country it does not ship to with ORDER_REJECTED', () => {
    const decision = decide(undefined, placed({ shipTo: { country: UNSERVED_COUNTRY } }), at(0));

    expect(decision.state).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'ORDER_REJECTED',
      cancelCause: 'SHIP_TO_COUNTRY_NOT_SERVED',
      closedAt: '2025-01-01T00:00:00.000Z',
    });
    expect(decision.state).not.toHaveProperty('deadlineAt');
    expect(decision.emit).toEqual([
      {
        definition: OrderCancelled,
        detail: {
          orderId: ORDER_ID,
          occurredAt: '2025-01-01T00:00:00.000Z',
          reason: 'ORDER_REJECTED',
          cause: 'SHIP_TO_COUNTRY_NOT_SERVED',
        },
      },
    ]);
  });

  it('confirms a placed order once its stock is reserved, with the amount and currency of the order', () => {
    const { state, emitted } = run([placed(), reserved]);

    expect(state).toMatchObject({ status: 'CONFIRMED', closedAt: '2025-01-01T00:00:01.000Z' });
    expect(emitted).toEqual([
      {
        definition: OrderConfirmed,
        detail: {
          orderId: ORDER_ID,
          occurredAt: '2025-01-01T00:00:01.000Z',
          amountCents: 3399,
          currency: 'EUR',
        },
      },
    ]);
  });

  it('cancels a placed order with PAYMENT_FAILED and the payment reason as cause', () => {
    const { state, emitted } = run([placed(), paymentFailed]);

    expect(state).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'PAYMENT_FAILED',
      cancelCause: 'CARD_DECLINED',
    });
    expect(emitted.map((event) => event.detail)).toEqual([
      {
        orderId: ORDER_ID,
        occurredAt: '2025-01-01T00:00:01.000Z',
        reason: 'PAYMENT_FAILED',
        cause: 'CARD_DECLINED',
      },
    ]);
  });

  it('cancels a placed order with OUT_OF_STOCK and the reservation failure as cause', () => {
    const { state, emitted } = run([placed(), reservationFailed]);

    expect(state).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'OUT_OF_STOCK',
      cancelCause: 'UNKNOWN_SKU',
    });
    expect(emitted).toHaveLength(1);
    expect(emitted[0]?.definition).toBe(OrderCancelled);
  });

  it('records a reservation that arrives before its order on an open stub, and decides nothing yet', () => {
    const decision = decide(undefined, reserved, at(0));

    expect(decision.changed).toBe(true);
    expect(decision.emit).toEqual([]);
    expect(decision.state).toMatchObject({
      status: 'PENDING',
      deadlineAt: '2025-01-01T00:15:00.000Z',
      reservation: { status: 'RESERVED' },
    });
    expect(decision.state).not.toHaveProperty('placed');
  });

  it('confirms the order when it arrives after its reservation', () => {
    const { state, emitted } = run([reserved, placed()]);

    expect(state?.status).toBe('CONFIRMED');
    expect(emitted.map((event) => event.definition)).toEqual([OrderConfirmed]);
  });

  it('keeps the receipt time and deadline of the first fact when later facts arrive', () => {
    const stub = decide(undefined, reserved, at(0)).state;

    const { state } = decide(stub, paymentFailed, at(700));

    expect(state).toMatchObject({
      status: 'PENDING',
      receivedAt: '2025-01-01T00:00:00.000Z',
      deadlineAt: '2025-01-01T00:15:00.000Z',
      paymentFailed: { reason: 'CARD_DECLINED' },
    });
  });

  it('gives a rejection priority over a payment failure, whichever arrived first', () => {
    const rejected = placed({ shipTo: { country: UNSERVED_COUNTRY } });

    expect(run([paymentFailed, rejected]).state).toMatchObject({ cancelReason: 'ORDER_REJECTED' });
    expect(run([rejected, paymentFailed]).state).toMatchObject({ cancelReason: 'ORDER_REJECTED' });
  });

  it('gives a rejection priority over a reservation, whichever arrived first', () => {
    const rejected = placed({ shipTo: { country: UNSERVED_COUNTRY } });

    expect(run([reserved, rejected]).state).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'ORDER_REJECTED',
    });
    expect(run([rejected, reserved]).state).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'ORDER_REJECTED',
    });
  });

  it('changes nothing on a duplicate fact', () => {
    const first = decide(undefined, placed(), at(0));

    const second = decide(first.state, placed(), at(5));

    expect(second).toEqual({ state: first.state, changed: false, emit: [] });
  });

  it('never changes a terminal order, whatever fact comes next', () => {
    const { state: confirmed } = run([placed(), reserved]);

    for (const fact of [placed(), paymentFailed, reservationFailed, reserved, deadlineExceeded]) {
      expect(decide(confirmed, fact, at(10_000))).toEqual({ state: confirmed, changed: false, emit: [] });
    }
  });

  it('leaves an open order alone before its deadline', () => {
    const { state } = decide(undefined, placed(), at(0));

    const decision = decide(state, deadlineExceeded, at(899));

    expect(decision).toEqual({ state, changed: false, emit: [] });
  });

  it('cancels an open order with DEADLINE_EXCEEDED from its deadline on', () => {
    const { state } = decide(undefined, placed(), at(0));

    const decision = decide(state, deadlineExceeded, at(900));

    expect(decision.state).toMatchObject({ status: 'CANCELLED', cancelReason: 'DEADLINE_EXCEEDED' });
    expect(decision.state).not.toHaveProperty('cancelCause');
    expect(decision.emit.map((event) => event.detail)).toEqual([
      { orderId: ORDER_ID, occurredAt: '2025-01-01T00:15:00.000Z', reason: 'DEADLINE_EXCEEDED' },
    ]);
  });

  it('cancels an overdue stub whose order never arrived', () => {
    const { state } = decide(undefined, reserved, at(0));

    expect(decide(state, deadlineExceeded, at(1000)).state).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'DEADLINE_EXCEEDED',
    });
  });

  it("measures the deadline on the bus's clock: from the first fact's time to the sweep's, whatever the decisions' own clock", () => {
    const onTheBus = (seconds: number, nowSeconds: number): DecisionContext => ({
      ...at(nowSeconds),
      factTime: new Date(T0.getTime() + seconds * 1000),
    });
    const { state } = decide(undefined, placed(), onTheBus(3_600, 0));

    expect(state.deadlineAt).toBe('2025-01-01T01:15:00.000Z');
    expect(decide(state, deadlineExceeded, onTheBus(4_499, 9_000)).changed).toBe(false);
    expect(decide(state, deadlineExceeded, onTheBus(4_500, 0)).state).toMatchObject({
      status: 'CANCELLED',
      closedAt: '2025-01-01T00:00:00.000Z',
    });
  });

  it('refuses a deadline for an order it never heard of', () => {
    expect(() => decide(undefined, deadlineExceeded, at(0))).toThrow(OrderNotFoundError);
  });

  it('rebuilds the terminal event from the stored state alone, identical to the one emitted', () => {
    const { state, emitted } = run([placed(), reservationFailed]);

    expect(state && terminalEventsOf(state)).toEqual(emitted);
  });

  it('emits events that satisfy their contract schemas', () => {
    const events = [
      ...run([placed(), reserved]).emitted,
      ...run([placed(), paymentFailed]).emitted,
      ...run([placed({ shipTo: { country: UNSERVED_COUNTRY } })]).emitted,
      ...decide(decide(undefined, reserved, at(0)).state, deadlineExceeded, at(900)).emit,
    ];

    for (const event of events) expect(event.definition.detail.safeParse(event.detail).success).toBe(true);
  });
});

describe("the customer's cancellation", () => {
  it('cancels a pending order with CUSTOMER_REQUEST and emits its OrderCancelled, without a cause', () => {
    const { state } = decide(undefined, placed(), at(0));

    const decision = decide(state, customerCancels, at(30));

    expect(decision.changed).toBe(true);
    expect(decision.state).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'CUSTOMER_REQUEST',
      closedAt: '2025-01-01T00:00:30.000Z',
    });
    expect(decision.state).not.toHaveProperty('cancelCause');
    expect(decision.state).not.toHaveProperty('deadlineAt');
    expect(decision.emit).toEqual([
      {
        definition: OrderCancelled,
        detail: { orderId: ORDER_ID, occurredAt: '2025-01-01T00:00:30.000Z', reason: 'CUSTOMER_REQUEST' },
      },
    ]);
    expect(OrderCancelled.detail.safeParse(decision.emit[0]?.detail).success).toBe(true);
  });

  it('leaves a confirmed order confirmed: the cancellation changes nothing and emits nothing', () => {
    const { state: confirmed } = run([placed(), reserved]);

    expect(decide(confirmed, customerCancels, at(60))).toEqual({
      state: confirmed,
      changed: false,
      emit: [],
    });
  });

  it('leaves an order already cancelled as it is, whatever its reason, so a repeated request changes nothing', () => {
    const byCustomer = run([placed(), customerCancels]).state;
    const byPayment = run([placed(), paymentFailed]).state;

    expect(decide(byCustomer, customerCancels, at(60))).toEqual({
      state: byCustomer,
      changed: false,
      emit: [],
    });
    expect(decide(byPayment, customerCancels, at(60))).toEqual({
      state: byPayment,
      changed: false,
      emit: [],
    });
    expect(byPayment).toMatchObject({ cancelReason: 'PAYMENT_FAILED' });
  });

  it('refuses a cancellation of an order it never heard of', () => {
    expect(() => decide(undefined, customerCancels, at(0))).toThrow(OrderNotFoundError);
  });

  it('cancels a stub whose payment failure arrived before its order, keeping the recorded fact', () => {
    // A stub: the payment failure arrived before the order itself, so the order is still undecided.
    const { state: stub } = decide(undefined, paymentFailed, at(0));

    const { state } = decide(stub, customerCancels, at(1));

    expect(state).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'CUSTOMER_REQUEST',
      paymentFailed: { reason: 'CARD_DECLINED' },
    });
  });

  it('wins over a reservation that arrives after it: the late InventoryReserved confirms nothing', () => {
    const { state, emitted } = run([placed(), customerCancels, reserved]);

    expect(state).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_REQUEST' });
    expect(emitted.map((event) => event.definition)).toEqual([OrderCancelled]);
  });

  it('wins over a reservation recorded on a stub before the order itself arrived', () => {
    // The reservation came first (a stub), then the customer cancelled before OrderPlaced reached the order.
    const { state, emitted } = run([reserved, customerCancels, placed()]);

    expect(state).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_REQUEST' });
    expect(emitted.map((event) => event.detail)).toEqual([
      { orderId: ORDER_ID, occurredAt: '2025-01-01T00:00:01.000Z', reason: 'CUSTOMER_REQUEST' },
    ]);
  });

  it('keeps the first cancellation: a payment failure or a deadline after it changes nothing', () => {
    const { state: cancelled } = run([placed(), customerCancels]);

    for (const fact of [paymentFailed, reservationFailed, deadlineExceeded, placed()]) {
      expect(decide(cancelled, fact, at(10_000))).toEqual({ state: cancelled, changed: false, emit: [] });
    }
  });

  describe('racing the confirmation from the same stored order', () => {
    const { state: pending } = decide(undefined, placed(), at(0));
    const confirmation = decide(pending, reserved, at(1));
    const cancellation = decide(pending, customerCancels, at(1));

    it('each decision alone would close the order, one CONFIRMED, the other CANCELLED', () => {
      expect(confirmation.state.status).toBe('CONFIRMED');
      expect(cancellation.state).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUSTOMER_REQUEST' });
    });

    it('ends CONFIRMED when the confirmation commits first: the cancellation, decided again, changes nothing', () => {
      const retried = decide(confirmation.state, customerCancels, at(2));

      expect(retried).toEqual({ state: confirmation.state, changed: false, emit: [] });
    });

    it('ends CANCELLED when the cancellation commits first: the reservation, decided again, changes nothing', () => {
      const retried = decide(cancellation.state, reserved, at(2));

      expect(retried).toEqual({ state: cancellation.state, changed: false, emit: [] });
    });
  });
});
