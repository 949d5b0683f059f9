import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../shared/events/index.js';
import { jsonSchemaOf } from '../../shared/events/json-schema.js';
import { breakingChanges } from './compatibility.js';

const snapshot = (detailType: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'snapshots', `${detailType}.json`), 'utf8'));

const orderPlaced = () => structuredClone(snapshot('OrderPlaced'));
const orderCancelled = () => structuredClone(snapshot('OrderCancelled'));

/** OrderCancelled as published before its reason became an open-ended list: a closed enum of four. */
const closedReasonVersion = () => {
  const published = orderCancelled();
  published.properties.detail.properties.reason = {
    type: 'string',
    enum: ['PAYMENT_FAILED', 'OUT_OF_STOCK', 'ORDER_REJECTED', 'DEADLINE_EXCEEDED'],
  };
  return published;
};

describe('schema compatibility with the published versions', () => {
  it.each(catalogue.map((event) => [event.detailType, event] as const))(
    '%s can still read every event its published version allowed',
    (detailType, event) => {
      expect(breakingChanges(snapshot(detailType), jsonSchemaOf(event))).toEqual([]);
    },
  );

  it('fails when a required field is removed', () => {
    const next = orderPlaced();
    delete next.properties.detail.properties.customerId;
    next.properties.detail.required = next.properties.detail.required.filter(
      (f: string) => f !== 'customerId',
    );
    expect(breakingChanges(orderPlaced(), next)).toContain(
      '$.detail.customerId: required field removed or renamed',
    );
  });

  it('fails when a required field is renamed', () => {
    const next = orderPlaced();
    const detail = next.properties.detail;
    detail.properties.totalCents = detail.properties.amountCents;
    delete detail.properties.amountCents;
    detail.required = detail.required.map((f: string) => (f === 'amountCents' ? 'totalCents' : f));
    expect(breakingChanges(orderPlaced(), next)).toEqual([
      '$.detail.amountCents: required field removed or renamed',
      '$.detail.totalCents: newly required',
    ]);
  });

  it('fails when a type narrows', () => {
    const next = orderPlaced();
    next.properties.detail.properties.customerId.type = 'integer';
    expect(breakingChanges(orderPlaced(), next)).toContain(
      '$.detail.customerId: type string narrowed to integer',
    );
  });

  it('fails when an enum loses a value or a bound tightens', () => {
    const next = orderPlaced();
    next.properties.detail.properties.currency.enum = ['USD', 'EUR'];
    next.properties.detail.properties.items.maxItems = 10;
    const changes = breakingChanges(orderPlaced(), next);
    expect(changes.some((change) => change.startsWith('$.detail.currency: enum no longer allows AED'))).toBe(
      true,
    );
    expect(changes).toContain('$.detail.items: maxItems lowered to 10');
  });

  it('accepts a new optional field and a widened bound', () => {
    const next = orderPlaced();
    next.properties.detail.properties.giftMessage = { type: 'string' };
    next.properties.detail.properties.items.maxItems = 500;
    expect(breakingChanges(orderPlaced(), next)).toEqual([]);
  });

  it('accepts a new value in an enum its consumers read tolerantly (x-extensible-enum)', () => {
    const next = orderCancelled();
    next.properties.detail.properties.reason['x-extensible-enum'].push('FRAUD_SUSPECTED');
    expect(breakingChanges(orderCancelled(), next)).toEqual([]);
  });

  it('fails when a closed enum gains a value, which consumers of the published version reject', () => {
    const next = orderPlaced();
    next.properties.detail.properties.currency.enum.push('XBT');
    expect(breakingChanges(orderPlaced(), next)).toEqual([
      '$.detail.currency: enum gained XBT, which consumers of the published version reject',
    ]);
  });

  it('fails when a value is added in the same release that opens a closed enum: the old consumers are strict', () => {
    expect(breakingChanges(closedReasonVersion(), orderCancelled())).toEqual([
      '$.detail.reason: enum gained CUSTOMER_REQUEST, which consumers of the published version reject',
    ]);
  });

  it('accepts opening a closed enum into an open-ended list whose constraints every old value meets', () => {
    const opened = orderCancelled();
    opened.properties.detail.properties.reason['x-extensible-enum'] =
      closedReasonVersion().properties.detail.properties.reason.enum;
    expect(breakingChanges(closedReasonVersion(), opened)).toEqual([]);
    opened.properties.detail.properties.reason.pattern = '^[A-Z]+$';
    expect(breakingChanges(closedReasonVersion(), opened)).toContain('$.detail.reason: pattern changed');
  });
});
