import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Limits, OrderPlaced } from '../../shared/events/index.js';
import { jsonSchemaOf } from '../../shared/events/json-schema.js';

const success = () => {
  const [entry] = JSON.parse(readFileSync(join(import.meta.dirname, '../payloads/success.json'), 'utf8'));
  return JSON.parse(entry.Detail) as OrderPlaced;
};

/** The success order with one line of `quantity` × `unitPriceCents`, and the total that matches it. */
const orderOf = (quantity: number, unitPriceCents: number): OrderPlaced => {
  const order = success();
  const [line] = order.items;
  return {
    ...order,
    items: [{ ...(line as OrderPlaced['items'][number]), quantity, unitPriceCents }],
    amountCents: quantity * unitPriceCents,
  };
};

describe("an order's total", () => {
  it('may reach the cap: the most one card charge can take', () => {
    expect(Limits.maxOrderTotalCents).toBe(99_999_999);
    expect(OrderPlaced.detail.safeParse(orderOf(1, Limits.maxOrderTotalCents)).success).toBe(true);
  });

  it('is refused one cent above the cap, with a message that states the cap', () => {
    const result = OrderPlaced.detail.safeParse(orderOf(1, Limits.maxOrderTotalCents + 1));

    expect(result.success).toBe(false);
    expect(result.error?.issues).toStrictEqual([
      expect.objectContaining({
        path: ['amountCents'],
        message: 'must not exceed 99999999 minor units, the most one card charge can take',
      }),
    ]);
  });

  it('is refused at ten billion dollars, however well its lines add up', () => {
    const result = OrderPlaced.detail.safeParse(orderOf(Limits.maxQuantity, Limits.maxUnitPriceCents));

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toStrictEqual([['amountCents']]);
  });

  it('is capped in the published JSON Schema too', () => {
    const schema = jsonSchemaOf(OrderPlaced) as {
      properties: { detail: { properties: { amountCents: { maximum: number } } } };
    };

    expect(schema.properties.detail.properties.amountCents.maximum).toBe(Limits.maxOrderTotalCents);
  });
});
