import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEADLINE_EXCEEDED,
  decide,
  isTerminal,
  type Order,
  type OrderFact,
  SERVED_COUNTRIES,
} from '../../../../services/order/domain/order.js';
import type { OutgoingEvent } from '../../../../shared/events/index.js';
import {
  InventoryReservationFailed,
  InventoryReserved,
  type OrderLine,
  OrderPlaced,
  PaymentFailed,
  PaymentFailureReason,
  ReservationFailureReason,
  totalOf,
} from '../../../../shared/events/index.js';
import { UNSERVED_COUNTRY } from '../../support/events.js';

const ORDER_ID = 'order-prop';
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const OCCURRED_AT = '2018-03-01T10:00:00Z';
const context = (second: number) => ({ now: new Date(T0 + second * 1000), deadlineSeconds: 900 });

const line: fc.Arbitrary<OrderLine> = fc.record({
  sku: fc.constantFrom('MUG-RED', 'MUG-BLUE', 'TEA-EARL-GREY', 'TEA-SENCHA', 'SPOON'),
  quantity: fc.integer({ min: 1, max: 10 }),
  unitPriceCents: fc.integer({ min: 0, max: 100_000 }),
});

/** A valid OrderPlaced, shipped to a served country or (rejected) to one that is not. */
const orderPlaced: fc.Arbitrary<OrderFact> = fc
  .record({
    items: fc.uniqueArray(line, { minLength: 1, maxLength: 5, selector: (l) => l.sku }),
    currency: fc.constantFrom('EUR', 'USD', 'JPY' as const),
    country: fc.constantFrom(...SERVED_COUNTRIES, UNSERVED_COUNTRY),
  })
  .map(({ items, currency, country }) => ({
    type: OrderPlaced.detailType,
    detail: OrderPlaced.detail.parse({
      orderId: ORDER_ID,
      occurredAt: OCCURRED_AT,
      customerId: 'customer-42',
      items,
      currency,
      amountCents: totalOf(items),
      paymentToken: 'tok_visa',
      shipTo: { country },
    }),
  }));

/** What the rest of a real saga tells the order service: at most one outcome, consistent with the order. */
const outcomeOf = (placed: OrderFact): fc.Arbitrary<OrderFact[]> => {
  const items = placed.type === OrderPlaced.detailType ? placed.detail.items : [];
  return fc.oneof(
    fc.constant<OrderFact[]>([]),
    fc
      .constantFrom(...PaymentFailureReason.options)
      .map((reason): OrderFact[] => [
        { type: PaymentFailed.detailType, detail: { orderId: ORDER_ID, occurredAt: OCCURRED_AT, reason } },
      ]),
    fc.constant<OrderFact[]>([
      {
        type: InventoryReserved.detailType,
        detail: {
          orderId: ORDER_ID,
          occurredAt: OCCURRED_AT,
          items: items.map(({ sku, quantity }) => ({ sku, quantity })),
        },
      },
    ]),
    fc
      .record({
        reason: fc.constantFrom(...ReservationFailureReason.options),
        skus: fc.subarray(
          items.map(({ sku }) => sku),
          { minLength: 1 },
        ),
      })
      .map(({ reason, skus }): OrderFact[] => [
        {
          type: InventoryReservationFailed.detailType,
          detail: { orderId: ORDER_ID, occurredAt: OCCURRED_AT, reason, skus },
        },
      ]),
  );
};

/** The facts of one real saga. */
const sagaFacts: fc.Arbitrary<OrderFact[]> = orderPlaced.chain((placed) =>
  outcomeOf(placed).map((outcome) => [placed, ...outcome]),
);

/** Every fact delivered one to three times, in any order. */
const deliveriesOf = (facts: OrderFact[]): fc.Arbitrary<OrderFact[]> =>
  fc
    .array(fc.integer({ min: 1, max: 3 }), { minLength: facts.length, maxLength: facts.length })
    .chain((counts) => {
      const all = facts.flatMap((fact, index) => Array.from({ length: counts[index] ?? 1 }, () => fact));
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    });

/** Delivers the facts one per second, collecting the final state and every event emitted. */
const deliver = (facts: OrderFact[], start?: Order) => {
  let state = start;
  const emitted: OutgoingEvent[] = [];
  facts.forEach((fact, second) => {
    const decision = decide(state, fact, context(second));
    state = decision.state;
    emitted.push(...decision.emit);
  });
  return { state, emitted };
};

/** What the decision is about, without the times at which it was taken. */
const verdict = (state: Order | undefined) => ({
  status: state?.status,
  cancelReason: state?.cancelReason,
  cancelCause: state?.cancelCause,
  placed: state?.placed,
});
const withoutTime = (events: OutgoingEvent[]) =>
  events.map(({ definition, detail }) => ({ definition, detail: { ...detail, occurredAt: undefined } }));

describe('the order decision over a real saga', () => {
  it('reaches the same verdict, emitting each terminal event exactly once, for any order and duplication of deliveries', () => {
    fc.assert(
      fc.property(
        sagaFacts.chain((facts) => fc.tuple(fc.constant(facts), deliveriesOf(facts))),
        ([facts, deliveries]) => {
          const expected = deliver(facts);

          const actual = deliver(deliveries);

          expect(verdict(actual.state)).toEqual(verdict(expected.state));
          expect(actual.emitted).toHaveLength(expected.state && isTerminal(expected.state) ? 1 : 0);
          expect(withoutTime(actual.emitted)).toEqual(withoutTime(expected.emitted));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves a terminal order unchanged whatever fact arrives afterwards, at any time', () => {
    const anyFact = fc.oneof(
      orderPlaced,
      sagaFacts.chain((facts) => fc.constantFrom(...facts)),
      fc.constant<OrderFact>({ type: DEADLINE_EXCEEDED, orderId: ORDER_ID }),
    );
    fc.assert(
      fc.property(sagaFacts, anyFact, fc.integer({ min: 0, max: 10 * 24 * 3600 }), (facts, fact, second) => {
        const { state } = deliver(facts);
        fc.pre(state !== undefined && isTerminal(state));

        const decision = decide(state, fact, context(second));

        expect(decision).toEqual({ state, changed: false, emit: [] });
      }),
      { numRuns: 300 },
    );
  });
});
