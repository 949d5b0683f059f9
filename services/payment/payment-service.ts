import type { Logger } from '@aws-lambda-powertools/logger';
import type { OrderCancelled, OrderPlaced } from '../../shared/events/index.js';
import type { Publisher } from '../../shared/publisher.js';
import type { PaymentGateway } from './adapters/payment-gateway.js';
import type { PaymentRepository } from './adapters/payment-repository.js';
import {
  type Decision,
  decideOrderCancelled,
  decideOrderPlaced,
  type Payment,
  type Step,
} from './domain/payment.js';

/** What the payment use cases need; every part is a port, so tests can pass DynamoDB Local or memory. */
export type PaymentServiceDeps = {
  repository: PaymentRepository;
  gateway: PaymentGateway;
  publisher: Publisher;
  logger: Logger;
  now?: () => Date;
};

/**
 * Rounds of load -> decide -> commit in one delivery. A round is repeated only when its conditional commit
 * lost to another delivery, i.e. the stored status moved forward; the longest forward path has two steps
 * ((none) -> CANCELLED -> REFUNDED, (none) -> CHARGED -> REFUNDED), so the third round commits nothing.
 */
const MAX_ROUNDS = 3;

/** The stored status kept moving under this delivery; unreachable unless a writer breaks the status order. */
export class ConcurrentUpdateError extends Error {
  override name = 'ConcurrentUpdateError';
  constructor(readonly orderId: string) {
    super(`Payment of order ${orderId} kept changing under this delivery after ${MAX_ROUNDS} rounds`);
  }
}

/** OrderPlaced: charge the order's card at most once, record the outcome, publish it. */
export const chargePayment = (deps: PaymentServiceDeps, order: OrderPlaced): Promise<void> =>
  apply(deps, order.orderId, (stored, now) => decideOrderPlaced(stored, order, now));

/** OrderCancelled: refund the charge, or leave a tombstone when nothing was charged yet. */
export const refundPayment = (deps: PaymentServiceDeps, cancellation: OrderCancelled): Promise<void> =>
  apply(deps, cancellation.orderId, (stored, now) => decideOrderCancelled(stored, cancellation, now));

/**
 * Load, decide (asking the provider when the decision needs it), commit conditionally, then publish.
 * Publishing comes last: if it fails the delivery fails, and its retry finds the state committed and
 * publishes the same events from it (rule 4). Gateway errors propagate for the same reason.
 */
const apply = async (
  { repository, gateway, publisher, logger, now = () => new Date() }: PaymentServiceDeps,
  orderId: string,
  decide: (stored: Payment | undefined, now: Date) => Step,
): Promise<void> => {
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const stored = await repository.get(orderId);
    const step = decide(stored, now());
    const { commit, emit } = await perform(gateway, step);
    if (commit) {
      if (!(await repository.commit(commit.expected, commit.state))) {
        logger.info('Another delivery recorded this payment first; deciding again from its state', {
          expectedStatus: commit.expected ?? 'NONE',
        });
        continue;
      }
      logger.info('Payment recorded', {
        previousStatus: stored?.status ?? 'NONE',
        ...summaryOf(commit.state),
      });
    }
    if (emit.length > 0) {
      await publisher.publish(emit);
      logger.info('Payment events published', { detailTypes: emit.map((e) => e.definition.detailType) });
    }
    return;
  }
  throw new ConcurrentUpdateError(orderId);
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
    case 'CANCELLED':
      return { status: payment.status, cancelReason: payment.cancelReason };
  }
};
