/**
 * The payment service's use cases, shared by its handlers: load the order's payment, decide (asking the
 * provider when the decision needs it), commit conditionally, then publish.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { BusinessMetrics } from '../../shared/business-metrics.js';
import type { OrderCancelled, OrderPlaced, OutgoingEvent } from '../../shared/events/index.js';
import { Metrics } from '../../shared/metrics.js';
import { commitOptimistically, STALE } from '../../shared/optimistic-commit.js';
import type { Publisher } from '../../shared/publisher.js';
import {
  type Decision,
  decideOrderCancelled,
  decideOrderPlaced,
  type Payment,
  type Step,
} from './domain/payment.js';
import type { PaymentGateway, PaymentRepository } from './domain/ports.js';

/** What the payment use cases need; the composition root (handlers/deps.ts) builds the real ones. */
export type ServiceDeps = {
  repository: PaymentRepository;
  gateway: PaymentGateway;
  publisher: Publisher;
  logger: Logger;
  /** The business metrics: a charge, a refund or a tombstone counts once, when its commit wins. */
  metrics: BusinessMetrics;
  /** The time of each decision. */
  now: () => Date;
};

/** OrderPlaced: charge the order's card at most once, record the outcome, publish it. */
export const chargePayment = (deps: ServiceDeps, order: OrderPlaced): Promise<void> =>
  apply(deps, order.orderId, (stored, now) => decideOrderPlaced(stored, order, now));

/** OrderCancelled: refund the charge, or void the payment (a tombstone when nothing was charged yet); publish which. */
export const refundPayment = (deps: ServiceDeps, cancellation: OrderCancelled): Promise<void> =>
  apply(deps, cancellation.orderId, (stored, now) => decideOrderCancelled(stored, cancellation, now));

/**
 * Load, decide (asking the provider when the decision needs it), commit conditionally, then publish.
 * A commit that loses to another delivery decides again from what won. Publishing comes last: if it fails
 * the delivery fails, and its retry finds the state committed and publishes the same events from it
 * (rule 4). Gateway errors propagate for the same reason.
 */
const apply = async (
  deps: ServiceDeps,
  orderId: string,
  decide: (stored: Payment | undefined, now: Date) => Step,
): Promise<void> => {
  const { repository, gateway, publisher, logger, metrics, now } = deps;
  const emit = await commitOptimistically(
    `Payment of order ${orderId}`,
    async (): Promise<OutgoingEvent[] | typeof STALE> => {
      const stored = await repository.load(orderId);
      const { commit, emit } = await perform(gateway, decide(stored, now()));
      if (!commit) return emit;
      if ((await repository.save(commit.state, commit.expected)) === STALE) {
        logger.info('Another delivery recorded this payment first; deciding again from its state', {
          expectedStatus: commit.expected ?? 'NONE',
        });
        return STALE;
      }
      logger.info('Payment recorded', {
        previousStatus: stored?.status ?? 'NONE',
        ...summaryOf(commit.state),
      });
      recordCommitted(metrics, commit.state);
      return emit;
    },
  );
  if (emit.length > 0) {
    await publisher.publish(emit);
    logger.info('Payment events published', { detailTypes: emit.map((e) => e.definition.detailType) });
  }
};

/**
 * Counts the payment's committed transition. A refund of a charge that was never committed as CHARGED
 * (found behind a tombstone: an earlier attempt charged, then lost its commit) counts its charge too, so
 * charged minus refunded amounts is what the service kept.
 */
const recordCommitted = (metrics: BusinessMetrics, payment: Payment): void => {
  if (payment.status === 'TOMBSTONED') {
    metrics.add(Metrics.compensationTombstones, 1);
    return;
  }
  // DECLINED is counted by the order service, as an order cancelled with PAYMENT_FAILED.
  if (payment.status === 'DECLINED') return;
  const { amountCents, currency } = payment;
  if (payment.status === 'CHARGED' || payment.chargedAt === undefined) {
    metrics.add(Metrics.paymentsCharged, 1);
    metrics.add(Metrics.chargedAmount, amountCents, { currency });
  }
  if (payment.status === 'REFUNDED') {
    metrics.add(Metrics.paymentsRefunded, 1);
    metrics.add(Metrics.refundedAmount, amountCents, { currency });
  }
};

const perform = async (gateway: PaymentGateway, step: Step): Promise<Decision> => {
  switch (step.kind) {
    case 'DECIDED':
      return step.decision;
    case 'CHARGE':
      return step.decide(await gateway.charge(step.request));
    case 'REFUND':
      return step.decide(await gateway.refund(step.request));
  }
};

/** The loggable facts of a payment. The state holds no card data (the token is never stored here). */
const summaryOf = (payment: Payment) => {
  switch (payment.status) {
    case 'CHARGED':
    case 'REFUNDED':
      return {
        status: payment.status,
        paymentId: payment.paymentId,
        amountCents: payment.amountCents,
        currency: payment.currency,
      };
    case 'DECLINED':
      return { status: payment.status, reason: payment.reason };
    case 'TOMBSTONED':
      return { status: payment.status, cancelReason: payment.cancelReason };
  }
};
