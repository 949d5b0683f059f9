import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  expectations,
  PAYLOAD_DIR,
  payloadFiles,
  readPayload,
  scenarioStock,
} from '../../infra/local/saga/scenarios.js';
import { eventByDetailType, OrderPlaced } from '../../shared/events/index.js';

describe('test payloads', () => {
  it.each(payloadFiles())(
    '%s is a put-events entries file whose every event satisfies the contract',
    (file) => {
      const entries = readPayload(file);
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) {
        const definition = eventByDetailType(entry.DetailType);
        expect(definition?.source).toBe(entry.Source);
        expect(() => definition?.detail.parse(JSON.parse(entry.Detail))).not.toThrow();
      }
    },
  );

  it('has an expected outcome for every payload, naming the payload’s own order', () => {
    const expected = expectations();
    expect(Object.keys(expected).sort()).toEqual(payloadFiles());
    for (const file of payloadFiles()) {
      const [entry] = readPayload(file);
      expect(JSON.parse(entry?.Detail ?? '{}').orderId).toBe(expected[file]?.orderId);
    }
  });

  it('is described, file by file, in the payloads README', () => {
    const readme = readFileSync(join(PAYLOAD_DIR, 'README.md'), 'utf8');
    for (const file of payloadFiles()) expect(readme).toContain(`\`${file}\``);
  });

  it('keeps the reference sample’s seven orders with their ids and totals', () => {
    const totals = Object.fromEntries(
      [1, 2, 3, 4, 5, 6, 7].map((n) => {
        const detail = OrderPlaced.detail.parse(
          JSON.parse(readPayload(`scenario-${n}.json`)[0]?.Detail ?? ''),
        );
        return [detail.orderId, detail.amountCents];
      }),
    );
    expect(totals).toEqual({
      '1ae4501d-ed92-4b27-bf0e-fd978ed45127': 5697,
      '11328abd-368d-43fd-bd4f-db15b5b63951': 5697,
      '25b0b599-441b-45c3-910e-ad63fe992c43': 19999,
      '22b0b599-441b-45c3-910e-ad63fe992c43': 1999,
      '3b7dc768-6f32-495d-a140-3d330c246f50': 47900,
      '337dc768-6f32-495d-a140-3d330c246f50': 47900,
      '40063fe3-56d9-4c51-b91f-71929834ce03': 5697,
    });
  });

  it('stocks every SKU that an order expected to succeed asks for', () => {
    const stock = scenarioStock();
    for (const [file, expected] of Object.entries(expectations())) {
      if (expected.outcome !== 'CONFIRMED') continue;
      const detail = OrderPlaced.detail.parse(JSON.parse(readPayload(file)[0]?.Detail ?? ''));
      for (const line of detail.items) expect(stock[line.sku] ?? 0).toBeGreaterThanOrEqual(line.quantity);
    }
  });
});
