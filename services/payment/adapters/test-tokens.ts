import type { PaymentFailureReason } from '../../../shared/events/index.js';

/**
 * The simulated provider's test tokens, as a real provider documents its test cards:
 * `tok_visa` charges, `tok_declined` and `tok_insufficient_funds` are refused, and a suffix
 * `_charge_fails_N` / `_refund_fails_N` makes that call fail transiently N times per order first.
 */
export const TEST_TOKEN = /^tok_(visa|declined|insufficient_funds)(?:_(charge|refund)_fails_(\d+))?$/;

/** What the simulated provider does with a token. */
export type TokenBehaviour = {
  /** The answer once the transient failures are over: charge, or refuse with a reason. */
  answer: { outcome: 'CHARGE' } | { outcome: 'DECLINE'; reason: PaymentFailureReason };
  /** How many charge calls per order fail transiently before the answer. */
  chargeFails: number;
  /** How many refund calls per order fail transiently before the refund. */
  refundFails: number;
};

/** The behaviour of a token; any token outside the test grammar is declined as a card the provider refuses. */
export const behaviourOf = (token: string): TokenBehaviour => {
  const match = TEST_TOKEN.exec(token);
  if (!match)
    return { answer: { outcome: 'DECLINE', reason: 'CARD_DECLINED' }, chargeFails: 0, refundFails: 0 };
  const [, card, failingCall, times] = match;
  const failures = Number(times ?? 0);
  return {
    answer:
      card === 'visa'
        ? { outcome: 'CHARGE' }
        : { outcome: 'DECLINE', reason: card === 'declined' ? 'CARD_DECLINED' : 'INSUFFICIENT_FUNDS' },
    chargeFails: failingCall === 'charge' ? failures : 0,
    refundFails: failingCall === 'refund' ? failures : 0,
  };
};
