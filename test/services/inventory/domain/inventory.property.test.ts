import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideOrderCancelled,
  decidePaymentProcessed,
  heldStock,
  type Reservation,
  refuseReservation,
  reserveFrom,
} from '../../../../services/inventory/domain/inventory.js';
import type { OutgoingEvent } from '../../../../shared/events/index.js';
import {
  InventoryReleased,
  InventoryReservationFailed,
  InventoryReservationVoided,
  InventoryReserved,
  type OrderLine,
  type StockLine,
} from '../../../../shared/events/index.js';

/**
 * The inventory of one saga, in memory, driven by the domain's decisions exactly as the service drives
 * them (load, decide, commit, publish), with the repository's transaction modelled by `reserveFrom`.
 * It keeps a ledger of every stock movement so the invariants can be checked after each delivery.
 */
type World = {
  stock: Record<string, number>;
  reservation: Reservation | undefined;
  taken: StockLine[][];
  returned: StockLine[][];
  published: OutgoingEvent[];
};

type Fact = { type: 'PaymentProcessed'; items: OrderLine[] } | { type: 'OrderCancelled' };

const ORDER_ID = 'order-1';
const SKUS = ['A', 'B', 'C', 'D', 'E', 'F'];

const deliver = (world: World, fact: Fact, at: string): void => {
  if (fact.type === 'PaymentProcessed') {
    const decision = decidePaymentProcessed(world.reservation, { orderId: ORDER_ID, items: fact.items }, at);
    if (decision.kind === 'unchanged') {
      world.published.push(...decision.emit);
      return;
    }
    const result = reserveFrom(world.stock, decision.reservation.items);
    if (result.ok) {
      world.stock = result.stock;
      world.reservation = decision.reservation;
      world.taken.push(decision.reservation.items);
      world.published.push(...decision.emit);
      return;
    }
    const refused = refuseReservation(decision.reservation, result.shortfall, at);
    world.reservation = refused.reservation;
    world.published.push(...refused.emit);
    return;
  }
  const decision = decideOrderCancelled(world.reservation, { orderId: ORDER_ID }, at);
  if (decision.kind === 'release') {
    for (const { sku, quantity } of decision.reservation.items) {
      world.stock[sku] = (world.stock[sku] ?? 0) + quantity;
    }
    world.returned.push(decision.reservation.items);
  }
  if (decision.kind !== 'unchanged') world.reservation = decision.reservation;
  world.published.push(...decision.emit);
};

const totals = (movements: StockLine[][]) => {
  const sums: Record<string, number> = {};
  for (const { sku, quantity } of movements.flat()) sums[sku] = (sums[sku] ?? 0) + quantity;
  return sums;
};

/** What the final state must be, as a function of the set of facts (timestamps aside). */
const comparable = (world: World) => ({
  stock: world.stock,
  held: heldStock(world.reservation),
  outcome:
    world.reservation?.status === 'FAILED'
      ? { status: 'FAILED', reason: world.reservation.reason, skus: world.reservation.skus }
      : { status: world.reservation?.status },
});

const stockLevels = fc.dictionary(fc.constantFrom(...SKUS), fc.integer({ min: 0, max: 8 }), {
  maxKeys: SKUS.length,
});

const orderLines = fc
  .uniqueArray(fc.constantFrom(...SKUS), { minLength: 1, maxLength: 4 })
  .chain((skus) =>
    fc.tuple(...skus.map((sku) => fc.integer({ min: 1, max: 5 }).map((quantity) => ({ sku, quantity })))),
  )
  .map((lines): OrderLine[] => lines.map((l) => ({ ...l, unitPriceCents: 100 })));

/** A saga's inventory facts: PaymentProcessed, OrderCancelled, or both. */
const sagaFacts = orderLines.chain((items) =>
  fc.constantFrom<Fact[]>(
    [{ type: 'PaymentProcessed', items }],
    [{ type: 'OrderCancelled' }],
    [{ type: 'PaymentProcessed', items }, { type: 'OrderCancelled' }],
  ),
);

/** Every fact delivered at least once and up to three times, in any order. */
const deliveriesOf = (facts: Fact[]) =>
  fc
    .tuple(...facts.map((fact) => fc.integer({ min: 1, max: 3 }).map((n) => Array(n).fill(fact) as Fact[])))
    .chain((copies) => {
      const all = copies.flat();
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    });

const run = (stock: Record<string, number>, deliveries: Fact[]) => {
  const world: World = {
    stock: { ...stock },
    reservation: undefined,
    taken: [],
    returned: [],
    published: [],
  };
  const cancelledAt: number[] = [];
  deliveries.forEach((fact, index) => {
    deliver(world, fact, new Date(Date.UTC(2025, 0, 1, 0, index)).toISOString());
    if (fact.type === 'OrderCancelled') cancelledAt.push(index);

    // Stock never goes below zero.
    for (const level of Object.values(world.stock)) expect(level).toBeGreaterThanOrEqual(0);
    // Nothing is reserved twice, and nothing is released that was not reserved.
    expect(world.taken.length).toBeLessThanOrEqual(1);
    expect(world.returned.length).toBeLessThanOrEqual(world.taken.length);
    expect(world.returned).toEqual(world.taken.slice(0, world.returned.length));
    // Once the order is cancelled, it holds nothing, whatever arrives afterwards.
    if (cancelledAt.length > 0) expect(heldStock(world.reservation)).toEqual([]);
    // The stock moved by exactly what the order holds now.
    const held = totals([heldStock(world.reservation)]);
    for (const sku of SKUS) {
      expect(world.stock[sku]).toBe(stock[sku] === undefined ? undefined : stock[sku] - (held[sku] ?? 0));
    }
  });
  return world;
};

describe('inventory decisions under at-least-once, any-order delivery', () => {
  it('converge to the same stock and reservation for every permutation and duplication of the facts', () => {
    fc.assert(
      fc.property(
        stockLevels,
        sagaFacts.chain((facts) => fc.tuple(fc.constant(facts), deliveriesOf(facts), deliveriesOf(facts))),
        (stock, [facts, someDeliveries, otherDeliveries]) => {
          const once = run(stock, facts);
          const some = run(stock, someDeliveries);
          const other = run(stock, otherDeliveries);

          expect(comparable(some).stock).toEqual(comparable(once).stock);
          expect(comparable(other).stock).toEqual(comparable(once).stock);
          expect(comparable(some).held).toEqual(comparable(once).held);
          expect(comparable(other).held).toEqual(comparable(once).held);
          // With a single fact the whole reservation converges; with both, its status still tells whether
          // stock was ever held (RELEASED) or never (CANCELLED, FAILED), which depends on arrival order.
          if (facts.length === 1) {
            expect(comparable(some)).toEqual(comparable(once));
            expect(comparable(other)).toEqual(comparable(once));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never announces both a reservation and its refusal, nor a release of stock never reserved', () => {
    fc.assert(
      fc.property(stockLevels, sagaFacts.chain(deliveriesOf), (stock, deliveries) => {
        const world = run(stock, deliveries);
        const types = new Set(world.published.map((event) => event.definition.detailType));

        expect(
          types.has(InventoryReserved.detailType) && types.has(InventoryReservationFailed.detailType),
        ).toBe(false);
        if (types.has(InventoryReleased.detailType)) expect(world.taken).toHaveLength(1);
        // A re-announcement repeats the stored event exactly: one detail per detail-type.
        const distinct = new Set(world.published.map((event) => JSON.stringify(event.detail)));
        expect(distinct.size).toBe(types.size);
      }),
      { numRuns: 500 },
    );
  });

  it('announces what a cancellation came to, whatever came before it: the release, or the void of a reservation never held', () => {
    fc.assert(
      fc.property(stockLevels, sagaFacts.chain(deliveriesOf), (stock, deliveries) => {
        const world = run(stock, deliveries);
        const types = new Set(world.published.map((event) => event.definition.detailType));
        const cancelled = deliveries.some((fact) => fact.type === 'OrderCancelled');
        const status = world.reservation?.status;

        expect(types.has(InventoryReleased.detailType)).toBe(cancelled && status === 'RELEASED');
        expect(types.has(InventoryReservationVoided.detailType)).toBe(
          cancelled && (status === 'CANCELLED' || status === 'FAILED'),
        );
      }),
      { numRuns: 500 },
    );
  });
});
