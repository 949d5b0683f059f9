/**
 * The inventory service's decisions: what a PaymentProcessed or an OrderCancelled does to an order's
 * reservation, given what was stored before. Pure: no AWS, no I/O, no clock (the time comes in).
 *
 * A reservation moves through:
 *   (none) --PaymentProcessed, stock suffices--> RESERVED --OrderCancelled--> RELEASED
 *   (none) --PaymentProcessed, stock short-----> FAILED   (nothing was reserved; a cancellation has nothing to do)
 *   (none) --OrderCancelled--------------------> CANCELLED (tombstone: a late PaymentProcessed reserves nothing)
 * Every other combination changes nothing and re-publishes, from the stored state, what that state
 * already announced, so a retry after a failed publish sends the same events again.
 *
 * Every delivery of OrderCancelled says what the compensation came to, so that the audit hears of it however
 * late it lands: InventoryReleased for stock given back, InventoryReservationVoided when nothing was held (a
 * tombstone, or a refused reservation).
 */

// Type only: the publisher's module loads the AWS SDK, which the domain must not.
import type { OutgoingEvent } from '../../../shared/events/index.js';
import {
  InventoryReleased,
  InventoryReservationFailed,
  InventoryReservationVoided,
  InventoryReserved,
  type OrderCancelled,
  type OrderLine,
  type PaymentProcessed,
  type ReservationFailureReason,
  type StockLine,
} from '../../../shared/events/index.js';

/** Stock is held for the order. */
export type ReservedReservation = {
  orderId: string;
  status: 'RESERVED';
  items: StockLine[];
  reservedAt: string;
};

/** Stock was held, then given back when the order was cancelled. */
export type ReleasedReservation = {
  orderId: string;
  status: 'RELEASED';
  items: StockLine[];
  reservedAt: string;
  releasedAt: string;
};

/** The order could not be reserved; nothing was held. `skus` names the lines that failed. */
export type FailedReservation = {
  orderId: string;
  status: 'FAILED';
  items: StockLine[];
  reason: ReservationFailureReason;
  skus: string[];
  failedAt: string;
};

/** Tombstone: the order was cancelled before any reservation, so none may be made later. */
export type CancelledReservation = {
  orderId: string;
  status: 'CANCELLED';
  cancelledAt: string;
};

/** What inventory stores about one order. */
export type Reservation =
  | ReservedReservation
  | ReleasedReservation
  | FailedReservation
  | CancelledReservation;
export type ReservationStatus = Reservation['status'];

/** What to do with a PaymentProcessed: attempt the reservation, or nothing but re-publish from state. */
export type PaymentProcessedDecision =
  | { kind: 'reserve'; reservation: ReservedReservation; emit: OutgoingEvent[] }
  | { kind: 'unchanged'; emit: OutgoingEvent[] };

/** What to do with an OrderCancelled: release what is held, leave a tombstone, or nothing. */
export type OrderCancelledDecision =
  | { kind: 'release'; reservation: ReleasedReservation; emit: OutgoingEvent[] }
  | { kind: 'tombstone'; reservation: CancelledReservation; emit: OutgoingEvent[] }
  | { kind: 'unchanged'; emit: OutgoingEvent[] };

/** How much of one SKU a reservation asked for, and how much there was (`undefined`: no such SKU). */
export type LineShortfall = { sku: string; requested: number; available: number | undefined };

/** Why a reservation was refused, naming the SKUs at fault. */
export type ReservationRefusal = { reason: ReservationFailureReason; skus: string[] };

/** A reservation must not be refused for lines that were not short: a bug in the caller. */
export class NoShortfallError extends Error {
  override name = 'NoShortfallError';
}

/**
 * The stock lines of an order: one per SKU, quantities of repeated SKUs summed, in the order the SKUs
 * first appear. A transaction may touch an item once only, so each SKU must appear once.
 */
export const stockLinesOf = (lines: readonly Pick<OrderLine, 'sku' | 'quantity'>[]): StockLine[] => {
  const quantities = new Map<string, number>();
  for (const { sku, quantity } of lines) quantities.set(sku, (quantities.get(sku) ?? 0) + quantity);
  return [...quantities].map(([sku, quantity]) => ({ sku, quantity }));
};

/**
 * Classifies a failed reservation from the lines whose condition failed. A SKU that does not exist
 * takes precedence (UNKNOWN_SKU: the order can never be served, whatever the stock); otherwise the order
 * is OUT_OF_STOCK. Either way only the SKUs of that reason are named. Undefined when no line was short.
 */
export const classifyShortfall = (lines: readonly LineShortfall[]): ReservationRefusal | undefined => {
  const unknown = lines.filter((line) => line.available === undefined).map((line) => line.sku);
  if (unknown.length > 0) return { reason: 'UNKNOWN_SKU', skus: unknown };
  const short = lines
    .filter((line) => line.available !== undefined && line.available < line.requested)
    .map((line) => line.sku);
  if (short.length > 0) return { reason: 'OUT_OF_STOCK', skus: short };
  return undefined;
};

/**
 * What a reservation of `items` does to the given stock levels, all or nothing: the new levels, or the
 * lines that could not be served. The repository performs the same rule with conditional writes in one
 * transaction; this is its model, for the decisions and the tests.
 */
export const reserveFrom = (
  stock: Readonly<Record<string, number>>,
  items: readonly StockLine[],
): { ok: true; stock: Record<string, number> } | { ok: false; shortfall: LineShortfall[] } => {
  const shortfall = items
    .map(({ sku, quantity }) => ({ sku, requested: quantity, available: stock[sku] }))
    .filter(({ requested, available }) => available === undefined || available < requested);
  if (shortfall.length > 0) return { ok: false, shortfall };
  const next = { ...stock };
  for (const { sku, quantity } of items) next[sku] = (next[sku] ?? 0) - quantity;
  return { ok: true, stock: next };
};

/** The stock an order holds right now: its items while RESERVED, nothing otherwise. */
export const heldStock = (reservation: Reservation | undefined): StockLine[] =>
  reservation?.status === 'RESERVED' ? reservation.items : [];

/** The events a stored reservation announced, re-published on a retry so no event is lost. */
export const eventsOf = (reservation: Reservation): OutgoingEvent[] => {
  switch (reservation.status) {
    case 'RESERVED':
      return [
        {
          definition: InventoryReserved,
          detail: {
            orderId: reservation.orderId,
            occurredAt: reservation.reservedAt,
            items: reservation.items,
          },
        },
      ];
    case 'FAILED':
      return [
        {
          definition: InventoryReservationFailed,
          detail: {
            orderId: reservation.orderId,
            occurredAt: reservation.failedAt,
            reason: reservation.reason,
            skus: reservation.skus,
          },
        },
      ];
    case 'RELEASED':
      return [
        {
          definition: InventoryReleased,
          detail: {
            orderId: reservation.orderId,
            occurredAt: reservation.releasedAt,
            items: reservation.items,
          },
        },
      ];
    case 'CANCELLED':
      return [reservationVoidedFrom(reservation)];
  }
};

/**
 * InventoryReservationVoided as the stored state says it: a tombstone at its cancellation, a refused
 * reservation at its refusal (the state a cancellation found, which it does not change).
 */
export const reservationVoidedFrom = (
  reservation: CancelledReservation | FailedReservation,
): OutgoingEvent => ({
  definition: InventoryReservationVoided,
  detail: {
    orderId: reservation.orderId,
    occurredAt: reservation.status === 'CANCELLED' ? reservation.cancelledAt : reservation.failedAt,
  },
});

/**
 * Decides on a PaymentProcessed. With no reservation yet: reserve every line (the outcome depends on
 * the stock, which the repository's transaction checks). A tombstone blocks it: the order was cancelled
 * first, so nothing is reserved or announced. A reservation already decided (RESERVED or FAILED) is
 * re-announced as stored; one already RELEASED announces nothing, its order being cancelled.
 */
export const decidePaymentProcessed = (
  current: Reservation | undefined,
  fact: Pick<PaymentProcessed, 'orderId' | 'items'>,
  at: string,
): PaymentProcessedDecision => {
  if (current === undefined) {
    const reservation: ReservedReservation = {
      orderId: fact.orderId,
      status: 'RESERVED',
      items: stockLinesOf(fact.items),
      reservedAt: at,
    };
    return { kind: 'reserve', reservation, emit: eventsOf(reservation) };
  }
  switch (current.status) {
    case 'RESERVED':
    case 'FAILED':
      return { kind: 'unchanged', emit: eventsOf(current) };
    case 'RELEASED':
    case 'CANCELLED':
      return { kind: 'unchanged', emit: [] };
  }
};

/**
 * Turns the stock's refusal of a reservation into the FAILED reservation to record and the
 * InventoryReservationFailed to publish. Throws NoShortfallError when no line was actually short.
 */
export const refuseReservation = (
  attempted: ReservedReservation,
  shortfall: readonly LineShortfall[],
  at: string,
): { reservation: FailedReservation; emit: OutgoingEvent[] } => {
  const refusal = classifyShortfall(shortfall);
  if (refusal === undefined) {
    throw new NoShortfallError(`Reservation of order ${attempted.orderId} refused with no line short`);
  }
  const reservation: FailedReservation = {
    orderId: attempted.orderId,
    status: 'FAILED',
    items: attempted.items,
    reason: refusal.reason,
    skus: refusal.skus,
    failedAt: at,
  };
  return { reservation, emit: eventsOf(reservation) };
};

/**
 * Decides on an OrderCancelled. RESERVED: release every line (InventoryReleased). No reservation: leave a
 * tombstone so a late PaymentProcessed reserves nothing (InventoryReservationVoided). RELEASED: re-announce
 * the release (a retry after a failed publish). CANCELLED or FAILED: nothing is held, nothing to undo;
 * announce the void (again, for a tombstone whose publish may have failed). Never refuses: a compensation
 * must complete.
 */
export const decideOrderCancelled = (
  current: Reservation | undefined,
  fact: Pick<OrderCancelled, 'orderId'>,
  at: string,
): OrderCancelledDecision => {
  if (current === undefined) {
    const reservation: CancelledReservation = { orderId: fact.orderId, status: 'CANCELLED', cancelledAt: at };
    return { kind: 'tombstone', reservation, emit: eventsOf(reservation) };
  }
  switch (current.status) {
    case 'RESERVED': {
      const reservation: ReleasedReservation = {
        orderId: current.orderId,
        status: 'RELEASED',
        items: current.items,
        reservedAt: current.reservedAt,
        releasedAt: at,
      };
      return { kind: 'release', reservation, emit: eventsOf(reservation) };
    }
    case 'RELEASED':
      return { kind: 'unchanged', emit: eventsOf(current) };
    case 'FAILED':
    case 'CANCELLED':
      return { kind: 'unchanged', emit: [reservationVoidedFrom(current)] };
  }
};
