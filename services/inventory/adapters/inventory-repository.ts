/**
 * The inventory table (see infra/tables.ts: partition key `pk`): stock items `SKU#<sku>` with
 * `available`, and one reservation item `RESERVATION#<orderId>` per order. Both kinds share the table so
 * that a reservation and the stock it takes commit in one transaction. Every write is conditional on the
 * state its decision was based on; a write that finds something else reports STALE, and the use case
 * loads and decides again.
 */
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { ReservationFailureReason, StockLine } from '../../../shared/events/index.js';
import {
  type CancellationReason,
  cancellationReasonsOf,
  isConditionalCheckFailed,
  STALE,
  type WriteResult,
  writeConditionally,
} from '../../../shared/optimistic-commit.js';
import type { LineShortfall, Reservation } from '../domain/inventory.js';
import type { InventoryRepository } from '../domain/ports.js';

/** The key of a SKU's stock item. */
export const stockKey = (sku: string) => ({ pk: `SKU#${sku}` });

/** The key of an order's reservation item. */
export const reservationKey = (orderId: string) => ({ pk: `RESERVATION#${orderId}` });

/** The table to use and the client to reach it. */
export type InventoryRepositoryOptions = { documentClient: DynamoDBDocumentClient; tableName: string };

/** An item of the inventory table as read: one order's reservation. */
const ReservationRow = z.discriminatedUnion('status', [
  z.object({
    orderId: z.string(),
    status: z.literal('RESERVED'),
    items: z.array(StockLine),
    reservedAt: z.string(),
  }),
  z.object({
    orderId: z.string(),
    status: z.literal('RELEASED'),
    items: z.array(StockLine),
    reservedAt: z.string(),
    releasedAt: z.string(),
  }),
  z.object({
    orderId: z.string(),
    status: z.literal('FAILED'),
    items: z.array(StockLine),
    reason: ReservationFailureReason,
    skus: z.array(z.string()),
    failedAt: z.string(),
  }),
  z.object({ orderId: z.string(), status: z.literal('CANCELLED'), cancelledAt: z.string() }),
]);

/** A reason code of a cancelled transaction: this action was fine, another one made the transaction fail. */
const NONE = 'None';
/** A reason code of a cancelled transaction: it overlapped another transaction on this item. */
const TRANSACTION_CONFLICT = 'TransactionConflict';

/** A number attribute of an item returned with a cancellation reason, which the SDK leaves marshalled. */
const numberAttribute = (value: unknown): number | undefined => {
  if (typeof value === 'number') return value;
  const n = (value as { N?: unknown } | undefined)?.N;
  return typeof n === 'string' ? Number(n) : undefined;
};

/**
 * Runs a transaction. Resolves undefined when it committed, the cancellation reasons when a condition
 * failed, or STALE when it only overlapped concurrent transactions: nothing was decided, so the use case
 * loads and decides again (after the commit helper's backoff). Anything else (throttling, validation)
 * fails the call.
 */
const transact = async (
  documentClient: DynamoDBDocumentClient,
  items: NonNullable<TransactWriteCommandInput['TransactItems']>,
): Promise<CancellationReason[] | typeof STALE | undefined> => {
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
    return undefined;
  } catch (error) {
    const reasons = cancellationReasonsOf(error);
    if (reasons === undefined) throw error;
    const codes = reasons.map((reason) => reason.Code ?? NONE);
    if (reasons.every((reason, index) => codes[index] === NONE || isConditionalCheckFailed(reason))) {
      return reasons;
    }
    const overlapped = reasons.every(
      (reason, index) =>
        codes[index] === NONE || codes[index] === TRANSACTION_CONFLICT || isConditionalCheckFailed(reason),
    );
    if (overlapped) return STALE;
    throw error;
  }
};

/**
 * The reservation's transaction: the reservation record plus one conditional update per SKU.
 * TransactWriteItems takes at most 100 actions, which is why the contract caps an order at 99 lines
 * (Limits.maxLines): 99 SKU updates + this Put always fit, so an order never needs two transactions and is
 * never half-reserved. Lines arrive merged by SKU (stockLinesOf): an item may appear once only.
 */
const reservationItems = (tableName: string, reservation: Reservation & { status: 'RESERVED' }) => [
  {
    Put: {
      TableName: tableName,
      Item: { ...reservationKey(reservation.orderId), ...reservation },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  },
  ...reservation.items.map(({ sku, quantity }) => ({
    Update: {
      TableName: tableName,
      Key: stockKey(sku),
      UpdateExpression: 'SET available = available - :quantity',
      ConditionExpression: 'attribute_exists(pk) AND available >= :quantity',
      ExpressionAttributeValues: { ':quantity': quantity },
      // The stock as the failed condition saw it: absent (unknown SKU) or too low (out of stock).
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  })),
];

/** The lines a refused reservation could not have, with the stock each condition saw. */
const shortfallOf = (items: readonly StockLine[], reasons: CancellationReason[]): LineShortfall[] =>
  items.flatMap(({ sku, quantity }, index): LineShortfall[] => {
    const reason = reasons[index + 1];
    if (reason === undefined || !isConditionalCheckFailed(reason)) return [];
    const available = reason.Item === undefined ? undefined : (numberAttribute(reason.Item.available) ?? 0);
    return [{ sku, requested: quantity, available }];
  });

/** The release's transaction (same bound as the reservation's): the record marked, the stock given back. */
const releaseItems = (
  tableName: string,
  reservation: { orderId: string; releasedAt: string; items: readonly StockLine[] },
) => [
  {
    Update: {
      TableName: tableName,
      Key: reservationKey(reservation.orderId),
      UpdateExpression: 'SET #status = :released, releasedAt = :releasedAt',
      ConditionExpression: '#status = :reserved',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':released': 'RELEASED',
        ':reserved': 'RESERVED',
        ':releasedAt': reservation.releasedAt,
      },
    },
  },
  // A compensation never fails for business reasons: ADD gives the stock back unconditionally.
  ...reservation.items.map(({ sku, quantity }) => ({
    Update: {
      TableName: tableName,
      Key: stockKey(sku),
      UpdateExpression: 'ADD available :quantity SET sku = if_not_exists(sku, :sku)',
      ExpressionAttributeValues: { ':quantity': quantity, ':sku': sku },
    },
  })),
];

/** The inventory table in DynamoDB. */
export const createInventoryRepository = ({
  documentClient,
  tableName,
}: InventoryRepositoryOptions): InventoryRepository => {
  const putIfAbsent = (item: Reservation): Promise<WriteResult> =>
    writeConditionally(() =>
      documentClient.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...reservationKey(item.orderId), ...item },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  return {
    async load(orderId) {
      const { Item } = await documentClient.send(
        new GetCommand({ TableName: tableName, Key: reservationKey(orderId), ConsistentRead: true }),
      );
      return Item === undefined ? undefined : ReservationRow.parse(Item);
    },

    async reserve(reservation) {
      const reasons = await transact(documentClient, reservationItems(tableName, reservation));
      if (reasons === undefined) return { status: 'reserved' };
      if (reasons === STALE || isConditionalCheckFailed(reasons[0])) return { status: STALE };
      return { status: 'refused', shortfall: shortfallOf(reservation.items, reasons) };
    },

    recordFailure: putIfAbsent,

    async release(reservation) {
      const reasons = await transact(documentClient, releaseItems(tableName, reservation));
      return reasons === undefined ? 'committed' : STALE;
    },

    recordTombstone: putIfAbsent,
  };
};

/** Sets the available stock of each SKU (creating the SKU), for tests, the demo and chaos runs. */
export const seedStock = async (
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  stock: Readonly<Record<string, number>>,
): Promise<void> => {
  const puts = Object.entries(stock).map(([sku, available]) => ({
    PutRequest: { Item: { ...stockKey(sku), sku, available } },
  }));
  for (let start = 0; start < puts.length; start += 25) {
    let pending: typeof puts | undefined = puts.slice(start, start + 25);
    while (pending !== undefined && pending.length > 0) {
      const { UnprocessedItems } = await documentClient.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = UnprocessedItems?.[tableName] as typeof puts | undefined;
    }
  }
};

/** The available stock of the given SKUs (strongly consistent); a SKU that does not exist is left out. */
export const readStock = async (
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  skus: readonly string[],
): Promise<Record<string, number>> => {
  const stock: Record<string, number> = {};
  const unique = [...new Set(skus)];
  for (let start = 0; start < unique.length; start += 100) {
    let keys: Record<string, unknown>[] | undefined = unique.slice(start, start + 100).map(stockKey);
    while (keys !== undefined && keys.length > 0) {
      const response: BatchGetCommandOutput = await documentClient.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of response.Responses?.[tableName] ?? []) {
        stock[String(item.pk).slice('SKU#'.length)] = Number(item.available);
      }
      keys = response.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return stock;
};
