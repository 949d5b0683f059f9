import type { PaymentFailureReason } from '../../../shared/events/index.js';

/**
 * The port to the payment provider. The provider is an external system: the payment service never
 * shares its table, and talks to it only through these two calls, both idempotent by key (the orderId).
 */
export interface PaymentGateway {
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
}

/** A charge request. `token` is the provider's opaque card reference: never log it. */
export type ChargeRequest = {
  idempotencyKey: string;
  amountCents: number;
  currency: string;
  token: string;
};

export type ChargeResult =
  | { outcome: 'CHARGED'; paymentId: string }
  | { outcome: 'DECLINED'; reason: PaymentFailureReason };

export type RefundRequest = { idempotencyKey: string };

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
