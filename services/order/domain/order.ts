/**
 * The order's decision: its status as a function of the set of facts the order service has received.
 * Pure: no I/O, no clock (the time is passed in), nothing from AWS.
 */

// Type-only: the publisher module itself talks to EventBridge, the domain only names what to publish.
import type { OutgoingEvent } from '../../../shared/events/index.js';
import {
  type CancellationCause,
  type CancellationReason,
  InventoryReservationFailed,
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
  PaymentFailed,
  type PaymentFailureReason,
  type ReservationFailureReason,
  type StockLine,
} from '../../../shared/events/index.js';

/** The countries the order service ships to (ISO 3166-1 alpha-2). An order to any other is rejected. */
export const SERVED_COUNTRIES: ReadonlySet<string> = new Set([
  'US',
  'CA',
  'GB',
  'IE',
  'FR',
  'DE',
  'NL',
  'ES',
  'IT',
  'SE',
  'DK',
  'NO',
  'FI',
  'PL',
  'SG',
  'JP',
  'AU',
  'NZ',
]);

/** How long an order may stay undecided when the environment does not say: 15 minutes. */
export const DEFAULT_DEADLINE_SECONDS = 900;

/** An order is PENDING until its facts decide it; CONFIRMED and CANCELLED are terminal. */
export const OrderStatuses = ['PENDING', 'CONFIRMED', 'CANCELLED'] as const;
/** The status of an order. */
export type OrderStatus = (typeof OrderStatuses)[number];

/** The order as the customer placed it (everything of OrderPlaced but the payment token, which is not ours). */
export type PlacedOrder = Omit<OrderPlaced, 'orderId' | 'paymentToken'>;

/** What inventory reported: every line reserved, or the reservation refused. */
export type ReservationOutcome =
  | { status: 'RESERVED'; items: StockLine[]; occurredAt: string }
  | { status: 'FAILED'; reason: ReservationFailureReason; skus: string[]; occurredAt: string };

/**
 * The order service's state for one order. A fact that arrives before OrderPlaced is recorded on a stub
 * (no `placed` yet) that is open, with a deadline, like any other undecided order.
 */
export type Order = {
  orderId: string;
  status: OrderStatus;
  /** When the first fact about this order was received (never the order's own `occurredAt`). */
  receivedAt: string;
  /** While PENDING: when the order is cancelled with DEADLINE_EXCEEDED if still undecided. */
  deadlineAt?: string;
  placed?: PlacedOrder;
  paymentFailed?: { reason: PaymentFailureReason; occurredAt: string };
  reservation?: ReservationOutcome;
  cancelReason?: CancellationReason;
  cancelCause?: CancellationCause;
  /** When the order reached its terminal status: the `occurredAt` of its terminal event. */
  closedAt?: string;
};

/** The marker of the one fact that is not an event: the order's deadline passed before it was decided. */
export const DEADLINE_EXCEEDED = 'DeadlineExceeded';

/** The marker of the customer's request to cancel, which comes through the storefront API, not the bus. */
export const CUSTOMER_CANCELLATION = 'CustomerCancellationRequested';

/**
 * A fact the order service learns about an order: an event it consumes, its own deadline passing, or the
 * customer asking to cancel.
 */
export type OrderFact =
  | { type: typeof OrderPlaced.detailType; detail: OrderPlaced }
  | { type: typeof PaymentFailed.detailType; detail: PaymentFailed }
  | { type: typeof InventoryReserved.detailType; detail: InventoryReserved }
  | { type: typeof InventoryReservationFailed.detailType; detail: InventoryReservationFailed }
  | { type: typeof DEADLINE_EXCEEDED; orderId: string }
  | { type: typeof CUSTOMER_CANCELLATION; orderId: string };

/**
 * The time of the decision, the deadline given to an order when its first fact arrives, and when that fact
 * happened on the bus's clock (`factTime`: its event's `time`, the Scheduled Event's for the deadline sweep;
 * `now` when absent). A deadline is measured on the bus's clock: from the first fact's time to the sweep's.
 */
export type DecisionContext = { now: Date; deadlineSeconds: number; factTime?: Date };

/**
 * The outcome of one fact: the new state, whether it differs from the stored one (nothing to write
 * otherwise), and the events to publish, non-empty only on the transition to a terminal status.
 */
export type OrderDecision = { state: Order; changed: boolean; emit: OutgoingEvent[] };

/**
 * A fact that needs an existing order: the deadline sweep only ever finds stored ones, and a customer may
 * only cancel an order the order service has heard of (one just accepted may not be recorded yet).
 */
export class OrderNotFoundError extends Error {
  override name = 'OrderNotFoundError';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} does not exist`);
  }
}

/** True once the order is CONFIRMED or CANCELLED: its event was decided and its status never changes again. */
export const isTerminal = (order: Pick<Order, 'status'>): boolean => order.status !== 'PENDING';

/** Whether the order service ships to the order's country. */
export const isServed = (placed: Pick<PlacedOrder, 'shipTo'>): boolean =>
  SERVED_COUNTRIES.has(placed.shipTo.country);

/** The order the fact is about. */
export const orderIdOf = (fact: OrderFact): string =>
  'orderId' in fact ? fact.orderId : fact.detail.orderId;

type Verdict =
  | { status: 'PENDING' }
  | { status: 'CONFIRMED' }
  | { status: 'CANCELLED'; reason: CancellationReason; cause?: CancellationCause };

/**
 * The status the facts call for. Nothing is decided before the order itself is known. Then, in priority
 * order: rejected, payment failed, reservation failed, reserved, else still pending. Within one real saga
 * at most one of the three outcomes arrives, and a rejected order may still see any of them (payment
 * charges it before learning of the rejection); so the priority makes the verdict a function of the set
 * of facts, whatever order they came in.
 */
export const verdictOf = (order: Order): Verdict => {
  const { placed, paymentFailed, reservation } = order;
  if (placed === undefined) return { status: 'PENDING' };
  if (!isServed(placed)) {
    return { status: 'CANCELLED', reason: 'ORDER_REJECTED', cause: 'SHIP_TO_COUNTRY_NOT_SERVED' };
  }
  if (paymentFailed) return { status: 'CANCELLED', reason: 'PAYMENT_FAILED', cause: paymentFailed.reason };
  if (reservation?.status === 'FAILED') {
    return { status: 'CANCELLED', reason: 'OUT_OF_STOCK', cause: reservation.reason };
  }
  if (reservation?.status === 'RESERVED') return { status: 'CONFIRMED' };
  return { status: 'PENDING' };
};

/**
 * The event that announces a terminal order, rebuilt from its state alone: so a retry after a failed
 * publish sends exactly what the first attempt meant to. Empty for a pending order.
 */
export const terminalEventsOf = (order: Order): OutgoingEvent[] => {
  if (order.status === 'CONFIRMED' && order.placed && order.closedAt) {
    return [
      {
        definition: OrderConfirmed,
        detail: {
          orderId: order.orderId,
          occurredAt: order.closedAt,
          amountCents: order.placed.amountCents,
          currency: order.placed.currency,
        },
      },
    ];
  }
  if (order.status === 'CANCELLED' && order.cancelReason && order.closedAt) {
    return [
      {
        definition: OrderCancelled,
        detail: {
          orderId: order.orderId,
          occurredAt: order.closedAt,
          reason: order.cancelReason,
          ...(order.cancelCause ? { cause: order.cancelCause } : {}),
        },
      },
    ];
  }
  return [];
};

const newOrder = (orderId: string, { now, deadlineSeconds, factTime = now }: DecisionContext): Order => ({
  orderId,
  status: 'PENDING',
  receivedAt: now.toISOString(),
  deadlineAt: new Date(factTime.getTime() + deadlineSeconds * 1000).toISOString(),
});

/** Records the fact on the order; the first report of each fact wins, so a duplicate records nothing. */
const record = (order: Order, fact: OrderFact): Order => {
  switch (fact.type) {
    case OrderPlaced.detailType: {
      if (order.placed) return order;
      const { orderId: _orderId, paymentToken: _paymentToken, ...placed } = fact.detail;
      return { ...order, placed };
    }
    case PaymentFailed.detailType:
      if (order.paymentFailed) return order;
      return { ...order, paymentFailed: { reason: fact.detail.reason, occurredAt: fact.detail.occurredAt } };
    case InventoryReserved.detailType:
      if (order.reservation) return order;
      return {
        ...order,
        reservation: { status: 'RESERVED', items: fact.detail.items, occurredAt: fact.detail.occurredAt },
      };
    case InventoryReservationFailed.detailType:
      if (order.reservation) return order;
      return {
        ...order,
        reservation: {
          status: 'FAILED',
          reason: fact.detail.reason,
          skus: fact.detail.skus,
          occurredAt: fact.detail.occurredAt,
        },
      };
    case DEADLINE_EXCEEDED:
    case CUSTOMER_CANCELLATION:
      return order;
  }
};

/** Closes an open order with its verdict: the deadline leaves the order, the terminal event is emitted once. */
const close = (order: Order, verdict: Exclude<Verdict, { status: 'PENDING' }>, now: Date): OrderDecision => {
  const { deadlineAt: _deadlineAt, ...rest } = order;
  const state: Order = {
    ...rest,
    status: verdict.status,
    closedAt: now.toISOString(),
    ...(verdict.status === 'CANCELLED'
      ? { cancelReason: verdict.reason, ...(verdict.cause ? { cancelCause: verdict.cause } : {}) }
      : {}),
  };
  return { state, changed: true, emit: terminalEventsOf(state) };
};

/**
 * Applies one fact to the stored order (undefined when none is stored yet).
 * - A terminal order never changes and emits nothing (its event was decided when it closed).
 * - A fact about an unknown order creates it, PENDING, with a deadline `deadlineSeconds` after the fact's time.
 * - DeadlineExceeded cancels an open order whose deadline is at or before its time (the sweep's), with
 *   DEADLINE_EXCEEDED; before its deadline it changes nothing.
 * - The customer's cancellation cancels an open order with CUSTOMER_REQUEST. Whichever of it and the
 *   saga's outcome is decided first closes the order; the other then finds it terminal and changes nothing.
 * - Any other fact is recorded and the order takes the status its facts call for (see `verdictOf`).
 * Throws OrderNotFoundError for DeadlineExceeded or the customer's cancellation on an order that does not
 * exist.
 */
export const decide = (
  current: Order | undefined,
  fact: OrderFact,
  context: DecisionContext,
): OrderDecision => {
  if (current && isTerminal(current)) return { state: current, changed: false, emit: [] };
  if (fact.type === DEADLINE_EXCEEDED) {
    if (!current) throw new OrderNotFoundError(fact.orderId);
    const at = (context.factTime ?? context.now).getTime();
    const due = current.deadlineAt !== undefined && Date.parse(current.deadlineAt) <= at;
    if (!due) return { state: current, changed: false, emit: [] };
    return close(current, { status: 'CANCELLED', reason: 'DEADLINE_EXCEEDED' }, context.now);
  }
  if (fact.type === CUSTOMER_CANCELLATION) {
    if (!current) throw new OrderNotFoundError(fact.orderId);
    return close(current, { status: 'CANCELLED', reason: 'CUSTOMER_REQUEST' }, context.now);
  }
  const base = current ?? newOrder(fact.detail.orderId, context);
  const recorded = record(base, fact);
  const verdict = verdictOf(recorded);
  if (verdict.status !== 'PENDING') return close(recorded, verdict, context.now);
  return { state: recorded, changed: current === undefined || recorded !== current, emit: [] };
};
