import { describe, expect, it } from 'vitest';
import {
  AuditFinding,
  catalogue,
  eventByDetailType,
  FindingKinds,
  findingsOfKind,
  Limits,
  OrderCancelled,
  OrderPlaced,
} from '../../shared/events/index.js';
import placedEvent from '../events/shop.storefront/order-placed.json' with { type: 'json' };

const placed = placedEvent.detail;

type Order = typeof placed;
const order = (change: (order: Order) => void = () => {}): Order => {
  const copy = structuredClone(placed);
  change(copy);
  return copy;
};
const line = (sku: string, quantity = 1, unitPriceCents = 100) => ({ sku, quantity, unitPriceCents });
const withLines = (lines: ReturnType<typeof line>[]) =>
  order((o) => {
    o.items = lines as Order['items'];
    o.amountCents = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
  });

const refusal = (detail: unknown) => {
  const result = OrderPlaced.detail.safeParse(detail);
  return result.success ? undefined : result.error.issues.map((issue) => issue.path.join('.')).join(',');
};

/** The fixture's first order line (it has at least one). */
const firstLine = <L>(order: { items: L[] }): L => {
  const [line] = order.items;
  if (line === undefined) throw new Error('the OrderPlaced fixture has no line');
  return line;
};

describe('the OrderPlaced schema', () => {
  it('accepts a well-formed order', () => {
    expect(refusal(order())).toBeUndefined();
  });

  it.each([
    ['an empty order id', order((o) => (o.orderId = '')), 'orderId'],
    ['an order id longer than 64 characters', order((o) => (o.orderId = 'x'.repeat(65))), 'orderId'],
    ['an order id that could forge a table key', order((o) => (o.orderId = 'SKU#WIDGET-BLUE')), 'orderId'],
    ['a timestamp that is not ISO-8601', order((o) => (o.occurredAt = '26/11/2026')), 'occurredAt'],
    ['an unknown currency', order((o) => (o.currency = 'XYZ')), 'currency'],
    ['a total that differs from its lines', order((o) => (o.amountCents += 1)), 'amountCents'],
    ['a zero quantity', order((o) => (firstLine(o).quantity = 0)), 'items.0.quantity'],
    ['a fractional quantity', order((o) => (firstLine(o).quantity = 1.5)), 'items.0.quantity'],
    ['a negative price', order((o) => (firstLine(o).unitPriceCents = -1)), 'items.0.unitPriceCents'],
    [
      'a price in dollars rather than cents',
      order((o) => (firstLine(o).unitPriceCents = 12.5)),
      'items.0.unitPriceCents',
    ],
    ['no lines', withLines([]), 'items'],
    [
      'more lines than one transaction can reserve',
      withLines(Array.from({ length: 100 }, (_, i) => line(`S${i}`))),
      'items',
    ],
    ['the same SKU on two lines', withLines([line('A'), line('A')]), 'items'],
    [
      'a field the contract does not know',
      order((o) => Object.assign(o, { cardNumber: '4111111111111111' })),
      '',
    ],
    [
      'a payment token that is not a token',
      order((o) => (o.paymentToken = '4111 1111 1111 1111')),
      'paymentToken',
    ],
  ])('refuses %s', (_case, detail, path) => {
    expect(refusal(detail)?.split(',')).toContain(path);
  });

  it(`accepts ${Limits.maxLines} lines, the most one reservation transaction takes`, () => {
    expect(
      refusal(withLines(Array.from({ length: Limits.maxLines }, (_, i) => line(`S${i}`)))),
    ).toBeUndefined();
  });
});

describe('the catalogue', () => {
  it('names twelve events, each once, each with a producer of the shop', () => {
    expect(new Set(catalogue.map((event) => event.detailType)).size).toBe(12);
    for (const event of catalogue) expect(event.source).toMatch(/^shop\./);
  });

  it('finds an event by its detail-type, and nothing for a name outside the contract', () => {
    expect(eventByDetailType('OrderCancelled')).toBe(OrderCancelled);
    expect(eventByDetailType('OrderShipped')).toBeUndefined();
  });

  it('reads a cancellation reason it does not know (an open list), but not one that is no reason code', () => {
    const cancelled = (reason: string) =>
      OrderCancelled.detail.safeParse({ orderId: 'o', occurredAt: '2026-11-26T09:00:00Z', reason }).success;
    expect(cancelled('BORED')).toBe(true);
    expect(cancelled('bored!')).toBe(false);
  });
});

describe('the findings of an inconsistent verdict', () => {
  it('are each a broken rule or a stuck step, so every inconsistent verdict means one of the two', () => {
    expect(Object.keys(FindingKinds).sort()).toEqual([...AuditFinding.options].sort());
    expect([...findingsOfKind('BROKEN_RULE'), ...findingsOfKind('STUCK_STEP')].sort()).toEqual(
      [...AuditFinding.options].sort(),
    );
  });

  it('call a compensation not done after the waits a stuck step, and a contradiction a broken rule', () => {
    expect(findingsOfKind('STUCK_STEP')).toEqual([
      'PAYMENT_NOT_REFUNDED',
      'PAYMENT_NOT_SETTLED',
      'RESERVATION_NOT_RELEASED',
      'RESERVATION_NOT_SETTLED',
    ]);
    expect(FindingKinds.CONFIRMED_ORDER_CANCELLED).toBe('BROKEN_RULE');
    expect(FindingKinds.PAYMENT_NOT_CHARGED).toBe('BROKEN_RULE');
    expect(FindingKinds.RESERVATION_MISSING).toBe('BROKEN_RULE');
  });
});
