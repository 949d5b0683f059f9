/**
 * The ports the order service depends on, declared on the domain's side; adapters implement them.
 * Type-only: nothing here performs I/O.
 */
import type { WriteResult } from '../../../shared/optimistic-commit.js';
import type { Order } from './order.js';

/** An order as stored: its domain state, the version it was read at, and whether its event awaits publishing. */
export type StoredOrder = { order: Order; version: number; awaitingPublish: boolean };

/** Where a page of an index query stopped; pass it back to read the next page. */
export type PageCursor = Record<string, unknown>;

/** A page of orders from the deadline index. */
export type OrderPage = { orders: Order[]; next?: PageCursor };

/** The orders table, behind the operations the order service needs. */
export type OrderRepository = {
  /** The stored order, read consistently; undefined when no fact about it was received yet. */
  load(orderId: string): Promise<StoredOrder | undefined>;
  /**
   * Writes the order if the stored version is still `expectedVersion` (no item at all when undefined);
   * STALE, changing nothing, when another writer got there first.
   */
  save(order: Order, expectedVersion: number | undefined): Promise<WriteResult>;
  /** Records that the terminal order's event reached the bus; a no-op when another delivery did it first. */
  markPublished(orderId: string): Promise<void>;
  /**
   * Open orders whose deadline is at or before `now`, earliest deadline first. Eventually consistent:
   * decide on a fresh `load`, not on these.
   */
  findOverdue(now: Date, limit: number, cursor?: PageCursor): Promise<OrderPage>;
  /** Terminal orders whose event is not known to be published yet, oldest first. */
  findUnpublished(limit: number, cursor?: PageCursor): Promise<OrderPage>;
};
