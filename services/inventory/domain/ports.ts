/**
 * The ports the inventory service depends on, declared on the domain's side; adapters implement them
 * (adapters/inventory-repository.ts). Type-only: nothing here performs I/O.
 */
import type { STALE, WriteResult } from '../../../shared/optimistic-commit.js';
import type {
  CancelledReservation,
  FailedReservation,
  LineShortfall,
  ReleasedReservation,
  Reservation,
  ReservedReservation,
} from './inventory.js';

/** What became of an attempt to reserve an order's stock. */
export type ReserveResult =
  | { status: 'reserved' }
  /** Some line could not be served; nothing was reserved. */
  | { status: 'refused'; shortfall: LineShortfall[] }
  /** The order already has a reservation or a tombstone, or the transaction overlapped another: decide again. */
  | { status: typeof STALE };

/** The inventory service's port to its table. */
export type InventoryRepository = {
  /** The order's reservation (strongly consistent), or undefined when inventory never heard of the order. */
  load(orderId: string): Promise<Reservation | undefined>;
  /** Takes every line's quantity from stock and records the reservation, all in one transaction, or nothing. */
  reserve(reservation: ReservedReservation): Promise<ReserveResult>;
  /** Records a refused reservation, unless the order already has one. */
  recordFailure(reservation: FailedReservation): Promise<WriteResult>;
  /** Gives every line back to stock and marks the reservation RELEASED, in one transaction, if still RESERVED. */
  release(reservation: ReleasedReservation): Promise<WriteResult>;
  /** Leaves a tombstone for an order cancelled before any reservation, unless it already has one. */
  recordTombstone(reservation: CancelledReservation): Promise<WriteResult>;
};
