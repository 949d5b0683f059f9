import { describe, expect, it } from 'vitest';
import { OrderPlaced } from '../../shared/events/index.js';
import { parseEvent } from '../../shared/lambda.js';
import placedEvent from '../events/shop.storefront/order-placed.json' with { type: 'json' };

const placed = placedEvent.detail;

const envelope = (detail: unknown, overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'OrderPlaced',
  source: OrderPlaced.source,
  account: '000000000000',
  time: '2026-11-26T09:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
  ...overrides,
});

describe('parsing a consumed event at the edge', () => {
  it('returns the detail of a valid event', () => {
    expect(parseEvent(OrderPlaced, envelope(placed))).toEqual({ success: true, data: placed });
  });

  it('names each failed field of the detail, without its value', () => {
    const detail = structuredClone(placed);
    const [line] = detail.items;
    if (line === undefined) throw new Error('the OrderPlaced fixture has no line');
    line.quantity = -3;
    const result = parseEvent(OrderPlaced, envelope(detail));
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.issues.map((issue) => issue.path)).toContain('detail.items.0.quantity');
    expect(result.error.message).not.toContain('-3');
  });

  it('refuses a consumed detail-type from a foreign source', () => {
    const result = parseEvent(OrderPlaced, envelope(placed, { source: 'shop.payments' }));
    expect(result.success).toBe(false);
    if (!result.success)
      expect(result.error.issues).toEqual([{ path: 'source', message: `expected "${OrderPlaced.source}"` }]);
  });

  it('refuses something that is not an EventBridge event', () => {
    expect(parseEvent(OrderPlaced, 'hello').success).toBe(false);
    expect(parseEvent(OrderPlaced, null).success).toBe(false);
  });
});
