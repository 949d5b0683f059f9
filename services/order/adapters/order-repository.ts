/**
 * The orders table (key design in infra/tables.ts): one item per order, written with optimistic
 * concurrency on a `version` attribute.
 *
 * The sparse index `open-by-deadline` (partition `openStatus`, sort `deadlineAt`, sharded: see
 * deadline-index.ts) holds exactly the orders the deadline sweep must look at:
 * - `openStatus = OPEN#<shard>`, `deadlineAt` = the order's deadline: a PENDING order;
 * - `openStatus = UNPUBLISHED#<shard>`, `deadlineAt` = when it closed: a terminal order whose event has not
 *   been acknowledged by EventBridge yet (an outbox entry). It leaves the index once the event is published,
 *   so a handler's retry, or the sweep's, re-publishes from the stored state and never loses the event.
 * A published terminal order carries neither attribute and is invisible to the index.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import {
  AmountCents,
  CancellationCause,
  CancellationReason,
  Currency,
  Id,
  OrderLines,
  PaymentFailureReason,
  ReservationFailureReason,
  ShipTo,
  StockLine,
  Timestamp,
} from '../../../shared/events/index.js';
import { writeConditionally } from '../../../shared/optimistic-commit.js';
import { isTerminal, type Order, OrderStatuses } from '../domain/order.js';
import type { OrderPage, OrderRepository, PageCursor, StoredOrder } from '../domain/ports.js';
import { type IndexQuery, isOpenStatus, OpenStatus, openStatusOf, queryMerged } from './deadline-index.js';

export { OPEN_BY_DEADLINE_INDEX, OpenStatus } from './deadline-index.js';

/** Whether a stored `openStatus` is an entry of the sparse index, of either kind. */
const isIndexEntry = (value: string) =>
  isOpenStatus(OpenStatus.open, value) || isOpenStatus(OpenStatus.unpublished, value);

/** An item of the orders table as read: the order, its version and its place in the sparse index. */
const OrderRow = z.object({
  orderId: Id,
  status: z.enum(OrderStatuses),
  receivedAt: Timestamp,
  placed: z.optional(
    z.object({
      occurredAt: Timestamp,
      customerId: Id,
      items: OrderLines,
      currency: Currency,
      amountCents: AmountCents,
      shipTo: ShipTo,
    }),
  ),
  paymentFailed: z.optional(z.object({ reason: PaymentFailureReason, occurredAt: Timestamp })),
  reservation: z.optional(
    z.discriminatedUnion('status', [
      z.object({ status: z.literal('RESERVED'), items: z.array(StockLine), occurredAt: Timestamp }),
      z.object({
        status: z.literal('FAILED'),
        reason: ReservationFailureReason,
        skus: z.array(z.string()),
        occurredAt: Timestamp,
      }),
    ]),
  ),
  cancelReason: z.optional(CancellationReason),
  cancelCause: z.optional(CancellationCause),
  closedAt: z.optional(Timestamp),
  version: z.int().check(z.positive()),
  openStatus: z.optional(z.string().check(z.refine(isIndexEntry))),
  deadlineAt: z.optional(Timestamp),
});

type OrderItem = Order & { version: number; openStatus?: string; deadlineAt?: string };

const toItem = (order: Order, version: number): OrderItem => {
  const { deadlineAt, ...rest } = order;
  if (!isTerminal(order)) {
    return { ...rest, version, openStatus: openStatusOf(OpenStatus.open, order.orderId), deadlineAt };
  }
  const openStatus = openStatusOf(OpenStatus.unpublished, order.orderId);
  return { ...rest, version, openStatus, deadlineAt: order.closedAt };
};

/** Parses an item; `deadlineAt` is the order's deadline while it is open, an index key once it is closed. */
const fromItem = (item: Record<string, unknown>): StoredOrder => {
  const { version, openStatus, deadlineAt, ...order } = OrderRow.parse(item);
  const terminal = isTerminal(order);
  return {
    order: terminal ? order : { ...order, deadlineAt },
    version,
    awaitingPublish: terminal && isOpenStatus(OpenStatus.unpublished, openStatus),
  };
};

/** The table to use and the client to reach it. */
export type OrderRepositoryOptions = { documentClient: DynamoDBDocumentClient; tableName: string };

/** The orders table in DynamoDB. */
export const createOrderRepository = ({
  documentClient,
  tableName,
}: OrderRepositoryOptions): OrderRepository => {
  const page = async (
    query: Omit<IndexQuery, 'documentClient' | 'tableName'>,
    limit: number,
    cursor?: PageCursor,
  ): Promise<OrderPage> => {
    const { items, next } = await queryMerged({ documentClient, tableName, ...query }, limit, cursor);
    return { orders: items.map((item) => fromItem(item).order), ...(next ? { next } : {}) };
  };

  return {
    async load(orderId) {
      const { Item } = await documentClient.send(
        new GetCommand({ TableName: tableName, Key: { orderId }, ConsistentRead: true }),
      );
      return Item ? fromItem(Item) : undefined;
    },

    save: (order, expectedVersion) =>
      writeConditionally(() =>
        documentClient.send(
          new PutCommand({
            TableName: tableName,
            Item: toItem(order, (expectedVersion ?? 0) + 1),
            ...(expectedVersion === undefined
              ? { ConditionExpression: 'attribute_not_exists(orderId)' }
              : {
                  ConditionExpression: '#version = :expected',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':expected': expectedVersion },
                }),
          }),
        ),
      ),

    async markPublished(orderId) {
      // STALE: another delivery published it and marked it first, so the order already left the index.
      await writeConditionally(() =>
        documentClient.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { orderId },
            UpdateExpression: 'REMOVE openStatus, deadlineAt SET #version = #version + :one',
            // Sharded (`UNPUBLISHED#<shard>`) or written before the sharding (`UNPUBLISHED`).
            ConditionExpression: 'begins_with(openStatus, :unpublished)',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':unpublished': OpenStatus.unpublished, ':one': 1 },
          }),
        ),
      );
    },

    // Queries of the sparse index's shards, never a scan.
    findOverdue: (now, limit, cursor) =>
      page({ kind: OpenStatus.open, deadlineAtOrBefore: now.toISOString() }, limit, cursor),

    findUnpublished: (limit, cursor) => page({ kind: OpenStatus.unpublished }, limit, cursor),
  };
};
