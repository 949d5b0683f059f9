/**
 * The payment service's decisions, pure: from the stored payment of an order and one fact (OrderPlaced or
 * OrderCancelled), what to ask the provider, what to commit and what to publish. No I/O, no clock, no AWS.
 *
 * A decision that needs the provider's answer is a `GatewayStep`: the request to send, and the pure
 * continuation that decides once the answer is known. The shell performs the call, commits the decision
 * conditionally on the status it was made from and, when that condition fails (another delivery committed
 * first), decides again from what won. Every status moves forward only:
 *
 *   (none) -> CHARGED -> REFUNDED      (none) -> DECLINED      (none) -> TOMBSTONED -> REFUNDED
 *
 * TOMBSTONED is the tombstone of a cancellation that arrived before any charge: a late OrderPlaced charges
 * nothing. It only becomes REFUNDED if the provider reports a charge for the order after all, which happens
 * when an earlier attempt charged and crashed before it could commit.
 *
 * Every delivery of OrderCancelled says what the compensation came to, so that the audit hears of it however
 * late it lands: PaymentRefunded for a charge given back, PaymentVoided when nothing was charged (a tombstone,
 * or a declined card).
 */
import type {
  Currency,
  OrderCancelled,
  OrderLine,
  OrderPlaced,
  OutgoingEvent,
  PaymentFailureReason,
} from '../../../shared/events/index.js';
import {
  emit,
  PaymentFailed,
  PaymentProcessed,
  PaymentRefunded,
  PaymentVoided,
} from '../../../shared/events/index.js';
import type { ChargeRequest, ChargeResult, RefundRequest, RefundResult } from './ports.js';

/** The card was charged; the order's items are kept to re-publish PaymentProcessed from state. */
export type ChargedPayment = {
  orderId: string;
  status: 'CHARGED';
  paymentId: string;
  amountCents: number;
  currency: Currency;
  items: OrderLine[];
  chargedAt: string;
};

/** The provider refused the charge. Final: a cancellation changes nothing. */
export type DeclinedPayment = {
  orderId: string;
  status: 'DECLINED';
  reason: PaymentFailureReason;
  amountCents: number;
  currency: Currency;
  declinedAt: string;
};

/** The charge was compensated. Final. */
export type RefundedPayment = {
  orderId: string;
  status: 'REFUNDED';
  paymentId: string;
  amountCents: number;
  currency: Currency;
  items: OrderLine[];
  /** Absent when the charge was never committed as CHARGED (found by refunding behind a tombstone). */
  chargedAt?: string;
  refundedAt: string;
};

/**
 * Tombstone: the order was cancelled before anything was charged, so nothing will be. Its own status, not
 * the order's CANCELLED: items written before it had one are read as TOMBSTONED (adapters/payment-repository.ts).
 */
export type TombstonedPayment = {
  orderId: string;
  status: 'TOMBSTONED';
  /** As the cancellation gave it: recorded, never acted on, so a reason this code does not know is kept too. */
  cancelReason: OrderCancelled['reason'];
  cancelledAt: string;
};

/** The payment service's state for one order (one item of the payments table). */
export type Payment = ChargedPayment | DeclinedPayment | RefundedPayment | TombstonedPayment;
export type PaymentStatus = Payment['status'];

/** What to commit and publish once a decision is made. */
export type Decision = {
  /**
   * The new state, to commit only if the stored status is still `expected` (undefined: no item yet).
   * Absent when nothing changes.
   */
  commit?: { expected: PaymentStatus | undefined; state: Payment };
  /** What to publish after the commit (or, with nothing to commit, what the stored state already said). */
  emit: OutgoingEvent[];
};

/** A decision that needs the provider first: the request, then the decision on its answer. */
export type GatewayStep =
  | { kind: 'CHARGE'; request: ChargeRequest; decide: (answer: ChargeResult) => Decision }
  | { kind: 'REFUND'; request: RefundRequest; decide: (answer: RefundResult) => Decision };

/** The next step for one fact: decided already, or a call to the provider first. */
export type Step = { kind: 'DECIDED'; decision: Decision } | GatewayStep;

/** The provider contradicts the stored state (e.g. no charge to refund for a CHARGED payment). */
export class PaymentLedgerMismatchError extends Error {
  override name = 'PaymentLedgerMismatchError';
  constructor(
    readonly orderId: string,
    detail: string,
  ) {
    super(`Payment of order ${orderId} disagrees with the payment provider: ${detail}`);
  }
}

const decided = (decision: Decision): Step => ({ kind: 'DECIDED', decision });

/** PaymentProcessed as the stored charge says it, so a re-publish is the same event. */
export const paymentProcessedFrom = (payment: ChargedPayment): OutgoingEvent =>
  emit(PaymentProcessed, {
    orderId: payment.orderId,
    occurredAt: payment.chargedAt,
    paymentId: payment.paymentId,
    amountCents: payment.amountCents,
    currency: payment.currency,
    items: payment.items,
  });

/** PaymentFailed as the stored refusal says it. */
export const paymentFailedFrom = (payment: DeclinedPayment): OutgoingEvent =>
  emit(PaymentFailed, { orderId: payment.orderId, occurredAt: payment.declinedAt, reason: payment.reason });

/** PaymentRefunded as the stored refund says it. */
export const paymentRefundedFrom = (payment: RefundedPayment): OutgoingEvent =>
  emit(PaymentRefunded, {
    orderId: payment.orderId,
    occurredAt: payment.refundedAt,
    paymentId: payment.paymentId,
    amountCents: payment.amountCents,
    currency: payment.currency,
  });

/**
 * PaymentVoided as the stored state says it: a tombstone at its cancellation, a declined charge at its
 * decline (the state a cancellation found, which it does not change).
 */
export const paymentVoidedFrom = (payment: TombstonedPayment | DeclinedPayment): OutgoingEvent =>
  emit(PaymentVoided, {
    orderId: payment.orderId,
    occurredAt: payment.status === 'TOMBSTONED' ? payment.cancelledAt : payment.declinedAt,
  });

/** What the stored state already said on the bus; published again by any later delivery (rule 4). */
export const eventsOf = (payment: Payment): OutgoingEvent[] => {
  switch (payment.status) {
    case 'CHARGED':
      return [paymentProcessedFrom(payment)];
    case 'DECLINED':
      return [paymentFailedFrom(payment)];
    case 'REFUNDED':
      return [paymentRefundedFrom(payment)];
    case 'TOMBSTONED':
      return [paymentVoidedFrom(payment)];
  }
};

/**
 * OrderPlaced: charge the order once.
 * - nothing stored: charge, then record CHARGED (PaymentProcessed) or DECLINED (PaymentFailed);
 * - CHARGED, DECLINED, REFUNDED: already decided, publish again what the state says;
 * - TOMBSTONED: never charge; but refund by key, in case an earlier attempt of this handler
 *   charged and crashed before committing (or lost its commit to the tombstone). The provider answers
 *   NOTHING_TO_REFUND otherwise, and nothing changes. REFUNDED needs no such refund: the provider charges a
 *   key at most once, and that charge is the one already refunded.
 */
export const decideOrderPlaced = (stored: Payment | undefined, order: OrderPlaced, now: Date): Step => {
  if (stored === undefined) {
    return {
      kind: 'CHARGE',
      request: {
        idempotencyKey: order.orderId,
        amountCents: order.amountCents,
        currency: order.currency,
        token: order.paymentToken,
      },
      decide: (answer) => decideCharge(order, answer, now),
    };
  }
  if (stored.status === 'TOMBSTONED') {
    return {
      kind: 'REFUND',
      request: { idempotencyKey: order.orderId },
      decide: (answer) => decideRefundBehindTombstone(stored, order, answer, now),
    };
  }
  return decided({ emit: eventsOf(stored) });
};

/** The provider answered the charge of a new order: record the outcome and say it. */
export const decideCharge = (order: OrderPlaced, answer: ChargeResult, now: Date): Decision => {
  const at = now.toISOString();
  const common = { orderId: order.orderId, amountCents: order.amountCents, currency: order.currency };
  const state: ChargedPayment | DeclinedPayment =
    answer.outcome === 'CHARGED'
      ? { ...common, status: 'CHARGED', paymentId: answer.paymentId, items: order.items, chargedAt: at }
      : { ...common, status: 'DECLINED', reason: answer.reason, declinedAt: at };
  return { commit: { expected: undefined, state }, emit: eventsOf(state) };
};

/** A refund by key behind a tombstone: a charge the provider reports is compensated and recorded. */
export const decideRefundBehindTombstone = (
  stored: TombstonedPayment,
  order: OrderPlaced,
  answer: RefundResult,
  now: Date,
): Decision => {
  // Nothing changes, and the cancellation already said so (PaymentVoided): a late charge says nothing.
  if (answer.outcome === 'NOTHING_TO_REFUND') return { emit: [] };
  const state: RefundedPayment = {
    orderId: stored.orderId,
    status: 'REFUNDED',
    paymentId: answer.paymentId,
    amountCents: answer.amountCents,
    currency: order.currency,
    items: order.items,
    refundedAt: now.toISOString(),
  };
  return { commit: { expected: 'TOMBSTONED', state }, emit: eventsOf(state) };
};

/**
 * OrderCancelled: compensate the charge, whenever it happened, and say what the compensation came to.
 * - nothing stored: leave a tombstone, so a late OrderPlaced charges nothing; publish PaymentVoided;
 * - CHARGED: refund, record REFUNDED, publish PaymentRefunded;
 * - REFUNDED: publish PaymentRefunded again (its publish may have failed);
 * - TOMBSTONED, DECLINED: nothing was charged, nothing to undo; publish PaymentVoided (again, for a
 *   tombstone whose publish may have failed).
 */
export const decideOrderCancelled = (
  stored: Payment | undefined,
  cancellation: OrderCancelled,
  now: Date,
): Step => {
  if (stored === undefined) {
    const tombstone: TombstonedPayment = {
      orderId: cancellation.orderId,
      status: 'TOMBSTONED',
      cancelReason: cancellation.reason,
      cancelledAt: now.toISOString(),
    };
    return decided({ commit: { expected: undefined, state: tombstone }, emit: eventsOf(tombstone) });
  }
  if (stored.status === 'CHARGED') {
    return {
      kind: 'REFUND',
      request: { idempotencyKey: stored.orderId },
      decide: (answer) => decideRefund(stored, answer, now),
    };
  }
  return decided({ emit: stored.status === 'REFUNDED' ? eventsOf(stored) : [paymentVoidedFrom(stored)] });
};

/** The provider answered the refund of a recorded charge. */
export const decideRefund = (stored: ChargedPayment, answer: RefundResult, now: Date): Decision => {
  if (answer.outcome === 'NOTHING_TO_REFUND') {
    throw new PaymentLedgerMismatchError(
      stored.orderId,
      `no charge to refund for payment ${stored.paymentId}`,
    );
  }
  if (answer.paymentId !== stored.paymentId || answer.amountCents !== stored.amountCents) {
    throw new PaymentLedgerMismatchError(
      stored.orderId,
      `refunded payment ${answer.paymentId} (${answer.amountCents}) is not the recorded ${stored.paymentId} (${stored.amountCents})`,
    );
  }
  const state: RefundedPayment = { ...stored, status: 'REFUNDED', refundedAt: now.toISOString() };
  return { commit: { expected: 'CHARGED', state }, emit: eventsOf(state) };
};
