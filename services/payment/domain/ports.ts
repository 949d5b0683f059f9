/**
 * The ports the payment service depends on, declared on the domain's side: its table and the payment
 * provider. Adapters implement them (adapters/payment-repository.ts, adapters/simulated-gateway.ts).
 */
import type { PaymentFailureReason } from '../../../shared/events/index.js';
import type { WriteResult } from '../../../shared/optimistic-commit.js';
import type { Payment, PaymentStatus } from './payment.js';

/**
 * Where the payment service keeps its state: one item per order. Writes are conditional on the state the
 * decision was made from, so two deliveries racing on one order cannot both win.
 */
export type PaymentRepository = {
  /** The order's payment, read strongly consistent; undefined when none is recorded. */
  load(orderId: string): Promise<Payment | undefined>;
  /**
   * Writes `payment` if the stored status is still `expected` (undefined: only if the order has no item);
   * STALE, changing nothing, when another delivery committed first.
   */
  save(payment: Payment, expected: PaymentStatus | undefined): Promise<WriteResult>;
};

/**
 * The port to the payment provider. The provider is an external system: the payment service never
 * shares its table, and talks to it only through these two calls, both idempotent by key (the orderId).
 */
export type PaymentGateway = {
  /**
   * Charges the card behind `token` once per key: a second call with the same key answers the first call's
   * result and never charges again. Throws `GatewayUnavailableError` on a transient failure (retry later).
   */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /**
   * Refunds the key's charge if there is one not yet refunded; idempotent (a refunded charge answers its
   * refund again). Answers NOTHING_TO_REFUND when the key was never charged. Throws
   * `GatewayUnavailableError` on a transient failure.
   */
  refund(request: RefundRequest): Promise<RefundResult>;
};

/** A charge request. `token` is the provider's opaque card reference: never log it. */
export type ChargeRequest = {
  idempotencyKey: string;
  amountCents: number;
  currency: string;
  token: string;
};

/** The provider's answer to a charge. */
export type ChargeResult =
  | { outcome: 'CHARGED'; paymentId: string }
  | { outcome: 'DECLINED'; reason: PaymentFailureReason };

/** A refund of whatever the key charged. */
export type RefundRequest = { idempotencyKey: string };

/** The provider's answer to a refund. */
export type RefundResult =
  | { outcome: 'REFUNDED'; paymentId: string; amountCents: number }
  | { outcome: 'NOTHING_TO_REFUND' };

/** The provider could not answer right now. Transient: the same call later may succeed. */
export class GatewayUnavailableError extends Error {
  override name = 'GatewayUnavailableError';
  readonly retryable = true;
}

/** The same idempotency key was reused for a different charge: a bug in the caller, never retried into success. */
export class IdempotencyKeyReusedError extends Error {
  override name = 'IdempotencyKeyReusedError';
  constructor(readonly idempotencyKey: string) {
    super(`Idempotency key ${idempotencyKey} was already used for a charge with other parameters`);
  }
}
