/**
 * The sparse index `open-by-deadline` of the orders table, sharded: its partition key `openStatus` is
 * `OPEN#<shard>` for a PENDING order and `UNPUBLISHED#<shard>` for a closed order whose event awaits
 * publishing, with `shard` a pure function of the orderId. One value per status would put every open order
 * under one partition-key value, whose writes one index partition must absorb (≈ 1,000 WCU/s: a few hundred
 * orders per second, see docs/scale.md); sharded, they spread over SHARDS values.
 *
 * Items written before the sharding carry the bare `OPEN` / `UNPUBLISHED`: the sweep queries those values
 * too (LEGACY), so none is missed; an order's next write moves it to its shard.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PageCursor } from '../domain/ports.js';

/** The name of the sparse deadline index, as infra/tables.ts declares it. */
export const OPEN_BY_DEADLINE_INDEX = 'open-by-deadline';

/** The two kinds of entry of the index. */
export const OpenStatus = { open: 'OPEN', unpublished: 'UNPUBLISHED' } as const;
export type OpenStatusKind = (typeof OpenStatus)[keyof typeof OpenStatus];

/** How many partition-key values each kind is spread over (16 ≈ 1,000 orders/s with headroom). Only grows by a migration. */
export const SHARDS = 16;

/** The shard of an order: FNV-1a of its id, modulo SHARDS. Pure, so every write of an order lands in one shard. */
export const shardOf = (orderId: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < orderId.length; i++) {
    hash ^= orderId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % SHARDS;
};

/** The index's partition-key value of an order's entry of one kind. */
export const openStatusOf = (kind: OpenStatusKind, orderId: string): string => `${kind}#${shardOf(orderId)}`;

/** Whether a stored `openStatus` is an entry of `kind`, sharded or written before the sharding. */
export const isOpenStatus = (kind: OpenStatusKind, value: unknown): boolean =>
  typeof value === 'string' && (value === kind || value.startsWith(`${kind}#`));

/** Every partition-key value of one kind: each shard, then the bare value of items written before the sharding. */
const partitionsOf = (kind: OpenStatusKind): string[] => [
  ...Array.from({ length: SHARDS }, (_, shard) => `${kind}#${shard}`),
  kind,
];

type Item = Record<string, unknown>;
/** Where each partition's reading stands: the key of its last item consumed, or null before its first. */
type Cursors = Record<string, Item | null>;

/** What one merged page query needs: the client, the table, the kind, and an optional upper bound on `deadlineAt`. */
export type IndexQuery = {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  kind: OpenStatusKind;
  deadlineAtOrBefore?: string;
};

/** The key that resumes a query of the index right after `item` (the table's key and the index's). */
const keyOf = (item: Item): Item => ({
  orderId: item.orderId,
  openStatus: item.openStatus,
  deadlineAt: item.deadlineAt,
});

/** Up to `limit` items of one partition from its cursor, and whether the partition has more after them. */
const queryPartition = async (query: IndexQuery, partition: string, limit: number, from: Item | null) => {
  const bounded = query.deadlineAtOrBefore !== undefined;
  const { Items = [], LastEvaluatedKey } = await query.documentClient.send(
    new QueryCommand({
      TableName: query.tableName,
      IndexName: OPEN_BY_DEADLINE_INDEX,
      KeyConditionExpression: `openStatus = :partition${bounded ? ' AND deadlineAt <= :bound' : ''}`,
      ExpressionAttributeValues: {
        ':partition': partition,
        ...(bounded ? { ':bound': query.deadlineAtOrBefore } : {}),
      },
      Limit: limit,
      ...(from ? { ExclusiveStartKey: from } : {}),
    }),
  );
  return { items: Items, more: LastEvaluatedKey !== undefined };
};

/**
 * One page of the index across every partition of a kind, earliest `deadlineAt` first: up to `limit` items
 * from each partition still unread, merged, the first `limit` kept. The merge takes each partition's items
 * in the order DynamoDB returned them (orders with the same deadline come in the index's own order), so
 * what a page gives of a partition is always a prefix of it and the cursor, per partition the last item it
 * gave, skips nothing. A partition leaves the cursor once all of it was given.
 */
export const queryMerged = async (
  query: IndexQuery,
  limit: number,
  cursor?: PageCursor,
): Promise<{ items: Item[]; next?: PageCursor }> => {
  const cursors: Cursors =
    (cursor as Cursors | undefined) ??
    Object.fromEntries(partitionsOf(query.kind).map((partition) => [partition, null]));
  const read = await Promise.all(
    Object.entries(cursors).map(async ([partition, from]) => ({
      partition,
      from,
      given: 0,
      ...(await queryPartition(query, partition, limit, from)),
    })),
  );
  const page: Item[] = [];
  while (page.length < limit) {
    const heads = read.filter(({ items, given }) => given < items.length);
    const earliest = heads.reduce<(typeof read)[number] | undefined>(
      (best, next) =>
        best === undefined ||
        String(next.items[next.given]?.deadlineAt) < String(best.items[best.given]?.deadlineAt)
          ? next
          : best,
      undefined,
    );
    if (earliest === undefined) break;
    page.push(earliest.items[earliest.given++] as Item);
  }
  const next: Cursors = {};
  for (const { partition, from, items, more, given } of read) {
    if (given < items.length || more) next[partition] = given > 0 ? keyOf(items[given - 1] as Item) : from;
  }
  return { items: page, ...(Object.keys(next).length > 0 ? { next } : {}) };
};
