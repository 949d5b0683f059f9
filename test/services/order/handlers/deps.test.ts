import { describe, expect, it } from 'vitest';
import { deadlineSecondsFrom } from '../../../../services/order/handlers/deps.js';

describe('the order deadline from the environment', () => {
  it('is 900 seconds when ORDER_DEADLINE_SECONDS is not set', () => {
    expect(deadlineSecondsFrom({})).toBe(900);
  });

  it('is the number of seconds ORDER_DEADLINE_SECONDS gives', () => {
    expect(deadlineSecondsFrom({ ORDER_DEADLINE_SECONDS: '60' })).toBe(60);
  });

  it('fails loudly on anything but a positive whole number of seconds', () => {
    for (const value of ['0', '-5', '1.5', 'soon']) {
      expect(() => deadlineSecondsFrom({ ORDER_DEADLINE_SECONDS: value })).toThrow(/ORDER_DEADLINE_SECONDS/);
    }
  });
});
