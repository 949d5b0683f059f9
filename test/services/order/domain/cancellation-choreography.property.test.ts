/**
 * The customer's cancellation against the whole choreography, as a property. The three services' pure
 * decisions are composed into a model of the saga: each event is delivered to the decisions of the services
 * that consume it (order, payment with a modelled provider, inventory with a modelled stock), every event
 * they emit goes back on a modelled bus, and the bus delivers in any order, some deliveries twice. Customer
 * cancellations arrive at arbitrary points, as the API route applies them (the order's one decision).
 *
 * Whatever the schedule, the saga converges to one terminal state announced once; a cancelled saga has a
 * net charge of zero and its stock restored; a confirmed one was charged once and holds its lines; every
 * answer the customer got agrees with the end; and delivering everything again changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuditTriggers } from '../../../../infra/constructs/audit-definition.js';
import {
  decidePaymentProcessed,
  decideOrderCancelled as inventoryOnCancelled,
  type Reservation,
  refuseReservation,
  reserveFrom,
} from '../../../../services/inventory/domain/inventory.js';
import {
  CUSTOMER_CANCELLATION,
  decide,
  type Order,
  type OrderFact,
  OrderNotFoundError,
} from '../../../../services/order/domain/order.js';
import { behaviourOf } from '../../../../services/payment/adapters/test-tokens.js';
import {
  decideOrderPlaced,
  type Payment,
  decideOrderCancelled as paymentOnCancelled,
  type Step,
} from '../../../../services/payment/domain/payment.js';
import type { ChargeResult, RefundResult } from '../../../../services/payment/domain/ports.js';
import {
  InventoryReservationFailed,
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  type OrderLine,
  OrderPlaced,
  type OutgoingEvent,
  PaymentFailed,
  PaymentProcessed,
  totalOf,
} from '../../../../shared/events/index.js';
import { UNSERVED_COUNTRY } from '../../support/events.js';

const ORDER_ID = 'order-choreography';
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const SKUS = ['MUG-RED', 'MUG-BLUE', 'TEA-SENCHA'];

/** The provider's book for the saga's one key: charges and refunds it really made. */
type Ledger = { charges: number; refunds: number; amountCents: number; paymentId?: string };

/** What a customer's cancellation request was answered, as the route maps the service's outcome. */
type Answer = 200 | 404 | 409;

/** The modelled system: each service's stored state, the provider, the stock, and the bus. */
type World = {
  order?: Order;
  payment?: Payment;
  reservation?: Reservation;
  ledger: Ledger;
  stock: Record<string, number>;
  /** Every event any service published, in order. */
  published: OutgoingEvent[];
  /** The deliveries not yet made: an event and the service it is for. */
  inFlight: Delivery[];
  answers: { answer: Answer; reason?: string }[];
  /** How many events were published before the latest change of any service's state. */
  lastChangeAt: number;
};

type Service = 'order' | 'payment' | 'inventory';
type Delivery = { event: OutgoingEvent; to: Service; copies: number };

/** Who consumes what (the stack's rules); every other event goes to the audit only. */
const CONSUMERS: Record<string, Service[]> = {
  [OrderPlaced.detailType]: ['order', 'payment'],
  [PaymentProcessed.detailType]: ['inventory'],
  [PaymentFailed.detailType]: ['order'],
  [InventoryReserved.detailType]: ['order'],
  [InventoryReservationFailed.detailType]: ['order'],
  [OrderCancelled.detailType]: ['payment', 'inventory'],
};

const timeOf = (step: number) => new Date(T0 + step * 1000);

const publish = (world: World, events: readonly OutgoingEvent[]) => {
  for (const event of events) {
    world.published.push(event);
    for (const to of CONSUMERS[event.definition.detailType] ?? [])
      world.inFlight.push({ event, to, copies: 0 });
  }
};

/** The provider, idempotent by key as the port says: one charge per key, a refund of what it charged. */
const provider = (world: World, placedToken: string | undefined) => ({
  charge: (): ChargeResult => {
    const answer = behaviourOf(placedToken ?? '').answer;
    if (answer.outcome === 'DECLINE') return { outcome: 'DECLINED', reason: answer.reason };
    if (world.ledger.charges === 0) {
      world.ledger.charges = 1;
      world.ledger.paymentId = `pay_${ORDER_ID}`;
    }
    return { outcome: 'CHARGED', paymentId: world.ledger.paymentId ?? '' };
  },
  refund: (): RefundResult => {
    if (world.ledger.charges === 0 || !world.ledger.paymentId) return { outcome: 'NOTHING_TO_REFUND' };
    world.ledger.refunds = world.ledger.charges;
    return { outcome: 'REFUNDED', paymentId: world.ledger.paymentId, amountCents: world.ledger.amountCents };
  },
});

/** The payment shell: performs the step's provider call, commits (the condition always holds here), publishes. */
const performPayment = (world: World, step: Step, token: string | undefined) => {
  const gateway = provider(world, token);
  const decision =
    step.kind === 'DECIDED'
      ? step.decision
      : step.kind === 'CHARGE'
        ? step.decide(gateway.charge())
        : step.decide(gateway.refund());
  if (decision.commit) {
    expect(decision.commit.expected).toBe(world.payment?.status);
    world.payment = decision.commit.state;
  }
  publish(world, decision.emit);
};

/** The inventory shell, with the repository's all-or-nothing reservation modelled by `reserveFrom`. */
const deliverToInventory = (world: World, event: OutgoingEvent, at: string) => {
  if (event.definition === PaymentProcessed) {
    const decision = decidePaymentProcessed(world.reservation, event.detail as PaymentProcessed, at);
    if (decision.kind === 'unchanged') return publish(world, decision.emit);
    const result = reserveFrom(world.stock, decision.reservation.items);
    if (result.ok) {
      world.stock = result.stock;
      world.reservation = decision.reservation;
      return publish(world, decision.emit);
    }
    const refused = refuseReservation(decision.reservation, result.shortfall, at);
    world.reservation = refused.reservation;
    return publish(world, refused.emit);
  }
  const decision = inventoryOnCancelled(world.reservation, { orderId: ORDER_ID }, at);
  if (decision.kind === 'release') {
    for (const { sku, quantity } of decision.reservation.items)
      world.stock[sku] = (world.stock[sku] ?? 0) + quantity;
  }
  if (decision.kind !== 'unchanged') world.reservation = decision.reservation;
  publish(world, decision.emit);
};

/** The order shell: decide on the stored order, store, publish the terminal event. */
const applyToOrder = (world: World, fact: OrderFact, step: number) => {
  const decision = decide(world.order, fact, { now: timeOf(step), deadlineSeconds: 900 });
  world.order = decision.state;
  publish(world, decision.emit);
};

const deliver = (world: World, { event, to }: Delivery, placed: OrderPlaced, step: number) => {
  const at = timeOf(step).toISOString();
  if (to === 'inventory') return deliverToInventory(world, event, at);
  if (to === 'payment') {
    const paymentStep =
      event.definition === OrderPlaced
        ? decideOrderPlaced(world.payment, event.detail as OrderPlaced, timeOf(step))
        : paymentOnCancelled(world.payment, event.detail as OrderCancelled, timeOf(step));
    return performPayment(world, paymentStep, placed.paymentToken);
  }
  applyToOrder(world, { type: event.definition.detailType, detail: event.detail } as OrderFact, step);
};

/** The customer's request, as the route answers it: 200 with the order, 404 unknown, 409 confirmed. */
const customerCancels = (world: World, step: number) => {
  try {
    applyToOrder(world, { type: CUSTOMER_CANCELLATION, orderId: ORDER_ID }, step);
  } catch (error) {
    if (!(error instanceof OrderNotFoundError)) throw error;
    world.answers.push({ answer: 404 });
    return;
  }
  const order = world.order as Order;
  world.answers.push(
    order.status === 'CONFIRMED' ? { answer: 409 } : { answer: 200, reason: order.cancelReason },
  );
};

/** One saga: its order, the stock it starts from, and how the bus and the customer behave. */
type Scenario = {
  placed: OrderPlaced;
  stock: Record<string, number>;
  /** Which in-flight delivery goes next, at each step (modulo how many are in flight). */
  picks: number[];
  /** Whether the delivery picked at each step is delivered again later (at most twice more each). */
  duplicates: boolean[];
  /** The steps at which the customer asks to cancel (none: the saga runs alone). */
  cancelAt: number[];
};

const line: fc.Arbitrary<OrderLine> = fc.record({
  sku: fc.constantFrom(...SKUS),
  quantity: fc.integer({ min: 1, max: 3 }),
  unitPriceCents: fc.integer({ min: 1, max: 5_000 }),
});

const orderPlaced: fc.Arbitrary<OrderPlaced> = fc
  .record({
    items: fc.uniqueArray(line, { minLength: 1, maxLength: 3, selector: (l) => l.sku }),
    token: fc.constantFrom('tok_visa', 'tok_visa', 'tok_visa', 'tok_declined', 'tok_insufficient_funds'),
    country: fc.constantFrom('FR', 'FR', 'FR', 'US', UNSERVED_COUNTRY),
  })
  .map(({ items, token, country }) =>
    OrderPlaced.detail.parse({
      orderId: ORDER_ID,
      occurredAt: '2025-01-01T00:00:00.000Z',
      customerId: 'customer-42',
      items,
      currency: 'EUR',
      amountCents: totalOf(items),
      paymentToken: token,
      shipTo: { country },
    }),
  );

const scenario: fc.Arbitrary<Scenario> = fc.record({
  placed: orderPlaced,
  // Enough stock most of the time; sometimes a line is short, so inventory refuses.
  stock: fc.record(Object.fromEntries(SKUS.map((sku) => [sku, fc.integer({ min: 0, max: 6 })]))),
  picks: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  duplicates: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
  cancelAt: fc.uniqueArray(fc.integer({ min: 0, max: 14 }), { minLength: 1, maxLength: 3 }),
});

/** Runs the saga to quiescence: the bus drained and every cancellation request answered. */
const runSaga = ({ placed, stock, picks, duplicates, cancelAt }: Scenario): World => {
  const world: World = {
    ledger: { charges: 0, refunds: 0, amountCents: placed.amountCents },
    stock: { ...stock },
    published: [],
    inFlight: [],
    answers: [],
    lastChangeAt: 0,
  };
  publish(world, [{ definition: OrderPlaced, detail: placed }]);
  const lastCancel = Math.max(-1, ...cancelAt);
  for (let step = 0; world.inFlight.length > 0 || step <= lastCancel; step++) {
    if (cancelAt.includes(step)) noticingChanges(world, () => customerCancels(world, step));
    if (world.inFlight.length === 0) continue;
    const index = (picks[step % picks.length] ?? 0) % world.inFlight.length;
    const [delivery] = world.inFlight.splice(index, 1) as [Delivery];
    if (duplicates[step % duplicates.length] && delivery.copies < 2) {
      world.inFlight.push({ ...delivery, copies: delivery.copies + 1 });
    }
    noticingChanges(world, () => deliver(world, delivery, placed, step));
  }
  return world;
};

/** Runs one step, noting in `lastChangeAt` when it changed the status of the order, payment or reservation. */
const noticingChanges = (world: World, step: () => void) => {
  const statuses = (w: World) => [w.order?.status, w.payment?.status, w.reservation?.status].join();
  const before = statuses(world);
  const publishedBefore = world.published.length;
  step();
  if (statuses(world) !== before) world.lastChangeAt = publishedBefore;
};

const AUDITED: ReadonlySet<string> = new Set(AuditTriggers.map(([event]) => event.detailType));

const terminalEventsOf = (world: World) =>
  world.published.filter((e) => e.definition === OrderConfirmed || e.definition === OrderCancelled);

const unitsOf = (items: readonly { sku: string; quantity: number }[]) => {
  const units: Record<string, number> = {};
  for (const { sku, quantity } of items) units[sku] = (units[sku] ?? 0) + quantity;
  return units;
};

/** Every invariant of a settled saga. */
const expectSettled = (world: World, { placed, stock }: Scenario) => {
  const order = world.order as Order;
  // One terminal state, announced exactly once.
  expect(order.status).not.toBe('PENDING');
  expect(terminalEventsOf(world)).toHaveLength(1);
  expect(terminalEventsOf(world)[0]?.definition).toBe(
    order.status === 'CONFIRMED' ? OrderConfirmed : OrderCancelled,
  );
  // The provider never charges twice nor refunds what it did not charge.
  expect(world.ledger.charges).toBeLessThanOrEqual(1);
  expect(world.ledger.refunds).toBeLessThanOrEqual(world.ledger.charges);
  if (order.status === 'CANCELLED') {
    // Net charge zero, stock restored, nothing held.
    expect(world.ledger.charges - world.ledger.refunds).toBe(0);
    expect(world.payment?.status).not.toBe('CHARGED');
    expect(world.stock).toEqual(stock);
    expect(world.reservation?.status).not.toBe('RESERVED');
  } else {
    // Charged its total once, and holding exactly its lines.
    expect(world.ledger).toMatchObject({ charges: 1, refunds: 0, amountCents: placed.amountCents });
    expect(world.payment?.status).toBe('CHARGED');
    expect(world.reservation?.status).toBe('RESERVED');
    const held = unitsOf(placed.items);
    for (const sku of SKUS) expect(world.stock[sku]).toBe((stock[sku] ?? 0) - (held[sku] ?? 0));
  }
  // Every answer the customer got agrees with the end.
  for (const { answer } of world.answers) {
    if (answer === 409) expect(order.status).toBe('CONFIRMED');
    if (answer === 200) expect(order.status).toBe('CANCELLED');
  }
  // An order cancelled by its customer told that customer so.
  if (order.cancelReason === 'CUSTOMER_REQUEST') expect(world.answers.map((a) => a.answer)).toContain(200);
  // The latest change of any service's state published a fact that starts the audit: the latest verdict
  // is on the state the saga ends in, however late its last step landed.
  const triggers = world.published.slice(world.lastChangeAt).map((e) => e.definition.detailType);
  expect(triggers.some((detailType) => AUDITED.has(detailType))).toBe(true);
};

/** Delivering every event again to every consumer, and asking to cancel again, changes nothing. */
const expectFixpoint = (world: World, scenario: Scenario) => {
  const stateOf = (w: World) =>
    structuredClone({
      order: w.order,
      payment: w.payment,
      reservation: w.reservation,
      ledger: w.ledger,
      stock: w.stock,
    });
  const before = stateOf(world);
  const again = world.published.flatMap((event) =>
    (CONSUMERS[event.definition.detailType] ?? []).map((to) => ({ event, to, copies: 0 })),
  );
  world.published = [];
  for (const delivery of again) deliver(world, delivery, scenario.placed, 10_000);
  customerCancels(world, 10_001);
  const republished = world.published.filter(
    (e) => e.definition === OrderConfirmed || e.definition === OrderCancelled,
  );
  expect(republished).toEqual([]);
  expect(stateOf(world)).toEqual(before);
};

describe("customer cancellations interleaved with the saga's facts", () => {
  it('converge to one terminal state, with net charge zero and stock restored whenever it is CANCELLED', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const world = runSaga(s);

        expectSettled(world, s);
        expectFixpoint(world, s);
      }),
      { numRuns: 300 },
    );
  });

  it('reach every end a cancellation can meet: cancelled by the customer, confirmed first (409), too early (404)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(scenario, (s) => {
        const world = runSaga(s);
        seen.add(`${world.order?.status}:${world.order?.cancelReason ?? ''}`);
        for (const { answer } of world.answers) seen.add(String(answer));
      }),
      { numRuns: 300 },
    );

    expect([...seen]).toEqual(
      expect.arrayContaining(['CANCELLED:CUSTOMER_REQUEST', 'CONFIRMED:', '200', '404', '409']),
    );
  });
});
