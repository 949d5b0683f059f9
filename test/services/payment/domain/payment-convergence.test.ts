/**
 * Rule 1 and rule 2 for the payment service, as properties: whatever the order, duplication, transient
 * failures and crashes of the deliveries of one saga's payment facts, the payment converges to the outcome
 * of the set of facts, and the provider never charges twice nor refunds what it did not charge.
 *
 * The use cases run with their real domain and in-memory ports; no idempotency layer sits in front of them,
 * so the conditional commits alone must make every duplicate harmless.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { behaviourOf } from '../../../../services/payment/adapters/test-tokens.js';
import { eventsOf, type Payment } from '../../../../services/payment/domain/payment.js';
import { GatewayUnavailableError } from '../../../../services/payment/domain/ports.js';
import { chargePayment, refundPayment } from '../../../../services/payment/payment-service.js';
import {
  type OrderCancelled,
  type OrderPlaced,
  PaymentProcessed,
  PaymentRefunded,
  PaymentVoided,
} from '../../../../shared/events/index.js';
import { recordingMetrics } from '../../support/metrics.js';
import {
  orderCancelledDelivery,
  orderPlacedDelivery,
  RecordingLogger,
} from '../../support/payment-fixtures.js';
import {
  CrashPlan,
  InMemoryGateway,
  InMemoryPaymentRepository,
  type MemoryLedgerEntry,
  RecordingPublisher,
  SimulatedCrash,
} from '../../support/payment-in-memory.js';

const ORDER_ID = 'order-1';
const NOW = new Date('2024-03-01T12:00:00.000Z');

type Fact = 'PLACED' | 'CANCELLED';

type Saga = {
  token: string;
  /** Whether the saga's facts include OrderCancelled. */
  cancelled: boolean;
};

type Faults = {
  /** 1-based numbers of the repository commits that crash before they take effect. */
  commitCrashes: number[];
  /** 1-based numbers of the publish calls that fail. */
  publishCrashes: number[];
};

const noFaults: Faults = { commitCrashes: [], publishCrashes: [] };

const placedOf = (token: string): OrderPlaced =>
  orderPlacedDelivery({ orderId: ORDER_ID, paymentToken: token }).detail;
const cancellation: OrderCancelled = orderCancelledDelivery(ORDER_ID).detail;

/** One saga's payment service, in memory, with a fixed clock so that equal histories give equal states. */
const world = (saga: Saga, faults: Faults) => {
  const gateway = new InMemoryGateway();
  const repository = new InMemoryPaymentRepository(new CrashPlan(new Set(faults.commitCrashes)));
  const publisher = new RecordingPublisher(new CrashPlan(new Set(faults.publishCrashes)));
  const logger = new RecordingLogger();
  const order = placedOf(saga.token);
  return {
    gateway,
    repository,
    publisher,
    logger,
    order,
    deps: { gateway, repository, publisher, logger, metrics: recordingMetrics().metrics, now: () => NOW },
  };
};
type World = ReturnType<typeof world>;
type Ports = World['deps'];

const deliver = (deps: Ports, order: OrderPlaced, fact: Fact) =>
  fact === 'PLACED' ? chargePayment(deps, order) : refundPayment(deps, cancellation);

/** A delivery that failed in a way the platform retries: a provider outage or a crash. */
const isTransient = (error: unknown) =>
  error instanceof GatewayUnavailableError || error instanceof SimulatedCrash;

/** The money of a saga, as the customer and the provider's ledger see it. */
const settlementOf = (state: Payment | undefined, entry: MemoryLedgerEntry | undefined) => ({
  paid: state?.status === 'CHARGED',
  heldCents: state?.status === 'CHARGED' ? state.amountCents : 0,
  netChargedCents: entry ? (entry.chargesCreated - entry.refundsCreated) * entry.request.amountCents : 0,
});

/** What the set of facts must settle to, whatever their order. */
const expectedSettlement = (saga: Saga, order: OrderPlaced) => {
  const keepsCharge = !saga.cancelled && behaviourOf(saga.token).answer.outcome === 'CHARGE';
  const cents = keepsCharge ? order.amountCents : 0;
  return { paid: keepsCharge, heldCents: cents, netChargedCents: cents };
};

/**
 * The exact states the set of facts allows. Only a cancelled saga has a choice, decided by whether the charge
 * happened before the cancellation: refunded (with or without a committed CHARGED before it) or never charged.
 */
const allowedStates = (saga: Saga, order: OrderPlaced, entry: MemoryLedgerEntry | undefined): Payment[] => {
  const at = NOW.toISOString();
  const money = { orderId: ORDER_ID, amountCents: order.amountCents, currency: order.currency };
  const answer = behaviourOf(saga.token).answer;
  const declined: Payment[] =
    answer.outcome === 'DECLINE'
      ? [{ ...money, status: 'DECLINED', reason: answer.reason, declinedAt: at }]
      : [];
  const paymentId = `pay_${ORDER_ID}`;
  if (!saga.cancelled) {
    return answer.outcome === 'CHARGE'
      ? [{ ...money, status: 'CHARGED', paymentId, items: order.items, chargedAt: at }]
      : declined;
  }
  if ((entry?.chargesCreated ?? 0) > 0) {
    const refunded = { ...money, status: 'REFUNDED', paymentId, items: order.items, refundedAt: at } as const;
    return [refunded, { ...refunded, chargedAt: at }];
  }
  return [
    { orderId: ORDER_ID, status: 'TOMBSTONED', cancelReason: cancellation.reason, cancelledAt: at },
    ...declined,
  ];
};

/** Every property of a settled saga, checked on the world its deliveries left. */
const expectSettled = async (saga: Saga, w: World) => {
  const entry = w.gateway.ledger.get(ORDER_ID);
  const state = w.repository.items.get(ORDER_ID);
  const charges = entry?.chargesCreated ?? 0;

  // The provider never charges twice and never refunds what it did not charge.
  expect(charges).toBeLessThanOrEqual(1);
  expect(entry?.refundsCreated ?? 0).toBeLessThanOrEqual(charges);

  // The money converges to the outcome of the set of facts; the state is one the facts allow.
  expect(settlementOf(state, entry)).toEqual(expectedSettlement(saga, w.order));
  expect(allowedStates(saga, w.order, entry)).toContainEqual(state);

  // What was published: the final state's events at least once, each event always with the same detail,
  // and PaymentProcessed only for a charge the provider made.
  const published = new Map<string, Set<string>>();
  for (const { detailType, detail } of w.publisher.published) {
    published.set(detailType, (published.get(detailType) ?? new Set()).add(JSON.stringify(detail)));
  }
  for (const details of published.values()) expect(details.size).toBe(1);
  for (const { definition, detail } of state ? eventsOf(state) : []) {
    expect(published.get(definition.detailType)).toEqual(
      new Set([JSON.stringify(definition.detail.parse(detail))]),
    );
  }
  if (published.has(PaymentProcessed.detailType)) expect(charges).toBe(1);
  // A cancelled saga's payment said what its compensation came to, so the audit heard of it: the refund of
  // the charge, or the void of a payment never charged (a tombstone, a declined card). A charge that raced
  // the tombstone is refunded behind it: its void, then its refund.
  if (saga.cancelled) {
    const compensation = state?.status === 'REFUNDED' ? PaymentRefunded : PaymentVoided;
    expect(published.has(compensation.detailType)).toBe(true);
  } else {
    expect(published.has(PaymentVoided.detailType)).toBe(false);
  }

  // Settled is a fixpoint: delivering every fact again changes neither the state nor the ledger.
  w.repository.crashes.disarm();
  w.publisher.crashes.disarm();
  const before = structuredClone({ state, ledger: [...w.gateway.ledger] });
  for (const fact of factsOf(saga)) await deliver(w.deps, w.order, fact);
  expect({ state: w.repository.items.get(ORDER_ID), ledger: [...w.gateway.ledger] }).toEqual(before);

  // No card data in logs.
  expect(w.logger.lines.filter((line) => line.includes(saga.token))).toEqual([]);
};

const factsOf = (saga: Saga): Fact[] => (saga.cancelled ? ['PLACED', 'CANCELLED'] : ['PLACED']);

/** Delivers in order; a delivery that fails transiently is delivered again later, at the position given. */
const deliverAll = async (
  w: World,
  deliveries: Fact[],
  retryPositions: number[] = [Number.MAX_SAFE_INTEGER],
) => {
  const queue = [...deliveries];
  for (let n = 0; queue.length > 0; n++) {
    if (n > 200) throw new Error('deliveries did not settle');
    const fact = queue.shift() as Fact;
    try {
      await deliver(w.deps, w.order, fact);
    } catch (error) {
      if (!isTransient(error)) throw error;
      const position = retryPositions[n % retryPositions.length] ?? 0;
      queue.splice(position % (queue.length + 1), 0, fact);
    }
  }
};

const BASE_TOKENS = ['tok_visa', 'tok_declined', 'tok_insufficient_funds', 'tok_mastercard'];

const tokenArb = fc.oneof(
  fc.constantFrom(...BASE_TOKENS),
  fc
    .tuple(
      fc.constantFrom('visa', 'declined', 'insufficient_funds'),
      fc.constantFrom('charge', 'refund'),
      fc.integer({ min: 0, max: 3 }),
    )
    .map(([card, call, times]) => `tok_${card}_${call}_fails_${times}`),
);

/** A saga, and its deliveries: each fact at least once, up to three times, in any order. */
const deliveriesArb = fc
  .record({
    saga: fc.record({ token: tokenArb, cancelled: fc.boolean() }),
    copies: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  })
  .chain(({ saga, copies: [placed, cancelled] }) => {
    const deliveries: Fact[] = [
      ...Array<Fact>(placed).fill('PLACED'),
      ...Array<Fact>(saga.cancelled ? cancelled : 0).fill('CANCELLED'),
    ];
    return fc
      .shuffledSubarray(deliveries, { minLength: deliveries.length, maxLength: deliveries.length })
      .map((order) => ({ saga, deliveries: order }));
  });

const faultsArb: fc.Arbitrary<Faults> = fc.record({
  commitCrashes: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 2 }),
  publishCrashes: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 2 }),
});

/** Every distinct ordering of a multiset of facts. */
const permutations = (facts: Fact[]): Fact[][] => {
  if (facts.length === 0) return [[]];
  return [...new Set(facts)].flatMap((fact) => {
    const rest = [...facts];
    rest.splice(rest.indexOf(fact), 1);
    return permutations(rest).map((tail) => [fact, ...tail]);
  });
};

describe('payment convergence', () => {
  describe('every permutation and duplication of a saga (exhaustive, up to two copies of each fact)', () => {
    const cases = BASE_TOKENS.flatMap((token) =>
      [false, true].flatMap((cancelled) =>
        [1, 2].flatMap((placed) =>
          (cancelled ? [1, 2] : [0]).flatMap((cancels) =>
            permutations([
              ...Array<Fact>(placed).fill('PLACED'),
              ...Array<Fact>(cancels).fill('CANCELLED'),
            ]).map((deliveries) => ({ saga: { token, cancelled }, deliveries })),
          ),
        ),
      ),
    );

    it.each(cases.map((c) => [c.saga.token, c.deliveries.join(' '), c] as const))(
      'settles %s delivered as %s',
      async (_token, _order, { saga, deliveries }) => {
        const w = world(saga, noFaults);

        await deliverAll(w, deliveries);

        await expectSettled(saga, w);
      },
    );
  });

  it('settles every saga whatever the order, duplication, transient failures and crashes of its deliveries', async () => {
    await fc.assert(
      fc.asyncProperty(
        deliveriesArb,
        faultsArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        async ({ saga, deliveries }, faults, retryPositions) => {
          const w = world(saga, faults);

          await deliverAll(w, deliveries, retryPositions);

          await expectSettled(saga, w);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('settles every saga when its deliveries run concurrently, interleaved in any order', async () => {
    await fc.assert(
      fc.asyncProperty(deliveriesArb, faultsArb, fc.scheduler(), async ({ saga, deliveries }, faults, s) => {
        const w = world(saga, faults);
        const { gateway, repository, publisher } = w;
        // Every port call resolves when the scheduler says: the deliveries interleave at each await.
        const concurrent: Ports = {
          ...w.deps,
          gateway: {
            charge: s.scheduleFunction((r) => gateway.charge(r)),
            refund: s.scheduleFunction((r) => gateway.refund(r)),
          },
          repository: {
            load: s.scheduleFunction((id) => repository.load(id)),
            save: s.scheduleFunction((payment, expected) => repository.save(payment, expected)),
          },
          publisher: { publish: s.scheduleFunction((events) => publisher.publish(events)) },
        } as Ports;

        let pending = deliveries;
        for (let round = 0; pending.length > 0; round++) {
          if (round > 50) throw new Error('deliveries did not settle');
          const outcomes = pending.map((fact) =>
            deliver(concurrent, w.order, fact).then(
              () => undefined,
              (error: unknown) => {
                if (isTransient(error)) return fact;
                throw error;
              },
            ),
          );
          // waitFor, not waitIdle: a delivery that lost a race pauses (the commit helper's backoff) before its
          // next port call, so the scheduler may be idle while a delivery is still under way.
          pending = (await s.waitFor(Promise.all(outcomes))).filter((fact) => fact !== undefined);
        }

        await expectSettled(saga, w);
      }),
      { numRuns: 500 },
    );
  });
});
