import { describe, expect, it } from 'vitest';
import {
  type CancelledReservation,
  classifyShortfall,
  decideOrderCancelled,
  decidePaymentProcessed,
  type FailedReservation,
  NoShortfallError,
  type ReleasedReservation,
  type ReservedReservation,
  refuseReservation,
  reserveFrom,
  stockLinesOf,
} from '../../../../services/inventory/domain/inventory.js';
import type { OutgoingEvent } from '../../../../shared/events/index.js';
import {
  InventoryReleased,
  InventoryReservationFailed,
  InventoryReservationVoided,
  InventoryReserved,
} from '../../../../shared/events/index.js';
import { line } from '../../support/inventory.js';

const AT = '2025-01-02T03:04:05.000Z';
const LATER = '2025-01-02T03:09:05.000Z';
const fact = { orderId: 'order-1', items: [line('MUG', 2), line('TEE', 1)] };

const reserved: ReservedReservation = {
  orderId: 'order-1',
  status: 'RESERVED',
  items: [
    { sku: 'MUG', quantity: 2 },
    { sku: 'TEE', quantity: 1 },
  ],
  reservedAt: AT,
};
const released: ReleasedReservation = { ...reserved, status: 'RELEASED', releasedAt: LATER };
const failed: FailedReservation = {
  orderId: 'order-1',
  status: 'FAILED',
  items: reserved.items,
  reason: 'OUT_OF_STOCK',
  skus: ['TEE'],
  failedAt: AT,
};
const tombstone: CancelledReservation = { orderId: 'order-1', status: 'CANCELLED', cancelledAt: AT };

/** The events as the contract parses them: proves each one is valid and shows what it says. */
const published = (events: OutgoingEvent[]) =>
  events.map(({ definition, detail }) => ({
    detailType: definition.detailType,
    detail: definition.detail.parse(detail),
  }));

describe('stock lines of an order', () => {
  it('merges lines of the same SKU into one, keeping the order the SKUs first appear in', () => {
    expect(stockLinesOf([line('A', 1), line('B', 2), line('A', 3)])).toEqual([
      { sku: 'A', quantity: 4 },
      { sku: 'B', quantity: 2 },
    ]);
  });
});

describe('classifying a refused reservation', () => {
  it('names the unknown SKUs, and only them, when any SKU does not exist', () => {
    const refusal = classifyShortfall([
      { sku: 'SHORT', requested: 5, available: 1 },
      { sku: 'GHOST', requested: 1, available: undefined },
    ]);

    expect(refusal).toEqual({ reason: 'UNKNOWN_SKU', skus: ['GHOST'] });
  });

  it('names every SKU without enough stock when all SKUs exist', () => {
    const refusal = classifyShortfall([
      { sku: 'A', requested: 5, available: 1 },
      { sku: 'B', requested: 2, available: 0 },
    ]);

    expect(refusal).toEqual({ reason: 'OUT_OF_STOCK', skus: ['A', 'B'] });
  });

  it('finds nothing to refuse when every line has enough stock', () => {
    expect(classifyShortfall([{ sku: 'A', requested: 2, available: 2 }])).toBeUndefined();
  });
});

describe('reserving from stock levels', () => {
  it('takes every line from stock when all lines are available', () => {
    const result = reserveFrom({ A: 3, B: 1, C: 9 }, [
      { sku: 'A', quantity: 3 },
      { sku: 'B', quantity: 1 },
    ]);

    expect(result).toEqual({ ok: true, stock: { A: 0, B: 0, C: 9 } });
  });

  it('takes nothing when the last line is short', () => {
    const result = reserveFrom({ A: 3, B: 1 }, [
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 2 },
    ]);

    expect(result).toEqual({ ok: false, shortfall: [{ sku: 'B', requested: 2, available: 1 }] });
  });
});

describe('deciding on a PaymentProcessed', () => {
  it('reserves every line and announces InventoryReserved when inventory never heard of the order', () => {
    const decision = decidePaymentProcessed(undefined, fact, AT);

    expect(decision).toMatchObject({ kind: 'reserve', reservation: reserved });
    expect(published(decision.emit)).toEqual([
      {
        detailType: InventoryReserved.detailType,
        detail: { orderId: 'order-1', occurredAt: AT, items: reserved.items },
      },
    ]);
  });

  it('reserves nothing and announces nothing after a cancellation left a tombstone', () => {
    expect(decidePaymentProcessed(tombstone, fact, LATER)).toEqual({ kind: 'unchanged', emit: [] });
  });

  it('re-announces a reservation already made, as it was stored', () => {
    const decision = decidePaymentProcessed(reserved, fact, LATER);

    expect(decision.kind).toBe('unchanged');
    expect(published(decision.emit)).toEqual([
      {
        detailType: InventoryReserved.detailType,
        detail: { orderId: 'order-1', occurredAt: AT, items: reserved.items },
      },
    ]);
  });

  it('re-announces a refusal already recorded, as it was stored', () => {
    const decision = decidePaymentProcessed(failed, fact, LATER);

    expect(published(decision.emit)).toEqual([
      {
        detailType: InventoryReservationFailed.detailType,
        detail: { orderId: 'order-1', occurredAt: AT, reason: 'OUT_OF_STOCK', skus: ['TEE'] },
      },
    ]);
  });

  it('reserves nothing again once the reservation was released', () => {
    expect(decidePaymentProcessed(released, fact, LATER)).toEqual({ kind: 'unchanged', emit: [] });
  });
});

describe('refusing a reservation', () => {
  it('records a FAILED reservation and announces InventoryReservationFailed naming the SKUs', () => {
    const refused = refuseReservation(reserved, [{ sku: 'TEE', requested: 1, available: 0 }], AT);

    expect(refused.reservation).toEqual(failed);
    expect(published(refused.emit)).toEqual([
      {
        detailType: InventoryReservationFailed.detailType,
        detail: { orderId: 'order-1', occurredAt: AT, reason: 'OUT_OF_STOCK', skus: ['TEE'] },
      },
    ]);
  });

  it('refuses to record a failure when no line was short', () => {
    expect(() => refuseReservation(reserved, [{ sku: 'TEE', requested: 1, available: 4 }], AT)).toThrow(
      NoShortfallError,
    );
  });
});

describe('deciding on an OrderCancelled', () => {
  it('releases every reserved line and announces InventoryReleased', () => {
    const decision = decideOrderCancelled(reserved, { orderId: 'order-1' }, LATER);

    expect(decision).toMatchObject({ kind: 'release', reservation: released });
    expect(published(decision.emit)).toEqual([
      {
        detailType: InventoryReleased.detailType,
        detail: { orderId: 'order-1', occurredAt: LATER, items: reserved.items },
      },
    ]);
  });

  it('leaves a tombstone and announces InventoryReservationVoided when nothing was reserved yet', () => {
    const decision = decideOrderCancelled(undefined, { orderId: 'order-1' }, AT);

    expect(decision).toMatchObject({ kind: 'tombstone', reservation: tombstone });
    expect(published(decision.emit)).toEqual([
      { detailType: InventoryReservationVoided.detailType, detail: { orderId: 'order-1', occurredAt: AT } },
    ]);
  });

  it('re-announces a release already made, as it was stored', () => {
    const decision = decideOrderCancelled(released, { orderId: 'order-1' }, '2026-01-01T00:00:00.000Z');

    expect(decision.kind).toBe('unchanged');
    expect(published(decision.emit)).toEqual([
      {
        detailType: InventoryReleased.detailType,
        detail: { orderId: 'order-1', occurredAt: LATER, items: reserved.items },
      },
    ]);
  });

  it.each([
    ['a refused reservation, at its refusal', failed],
    ['a tombstone, at its cancellation (again: its publish may have failed)', tombstone],
  ])('changes nothing and announces the void of %s', (_, current) => {
    const decision = decideOrderCancelled(current, { orderId: 'order-1' }, LATER);

    expect(decision.kind).toBe('unchanged');
    expect(published(decision.emit)).toEqual([
      { detailType: InventoryReservationVoided.detailType, detail: { orderId: 'order-1', occurredAt: AT } },
    ]);
  });
});
