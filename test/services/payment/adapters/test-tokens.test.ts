import { describe, expect, it } from 'vitest';
import { behaviourOf } from '../../../../services/payment/adapters/test-tokens.js';

describe('the simulated provider test tokens', () => {
  it.each([
    ['tok_visa', { answer: { outcome: 'CHARGE' }, chargeFails: 0, refundFails: 0 }],
    [
      'tok_declined',
      { answer: { outcome: 'DECLINE', reason: 'CARD_DECLINED' }, chargeFails: 0, refundFails: 0 },
    ],
    [
      'tok_insufficient_funds',
      { answer: { outcome: 'DECLINE', reason: 'INSUFFICIENT_FUNDS' }, chargeFails: 0, refundFails: 0 },
    ],
    ['tok_visa_charge_fails_3', { answer: { outcome: 'CHARGE' }, chargeFails: 3, refundFails: 0 }],
    ['tok_visa_refund_fails_2', { answer: { outcome: 'CHARGE' }, chargeFails: 0, refundFails: 2 }],
    [
      'tok_insufficient_funds_charge_fails_1',
      { answer: { outcome: 'DECLINE', reason: 'INSUFFICIENT_FUNDS' }, chargeFails: 1, refundFails: 0 },
    ],
  ])('reads %s', (token, behaviour) => {
    expect(behaviourOf(token)).toEqual(behaviour);
  });

  it.each(['tok_mastercard', 'tok_visa_charge_fails_', 'tok_visa_fails_2', 'visa'])(
    'declines the unknown token %s as a refused card',
    (token) => {
      expect(behaviourOf(token)).toEqual({
        answer: { outcome: 'DECLINE', reason: 'CARD_DECLINED' },
        chargeFails: 0,
        refundFails: 0,
      });
    },
  );
});
