/**
 * The orders table (key design in infra/tables.ts): one item per order, written with optimistic
 * concurrency on a `version` attribute.
 *
 * The sparse index `open-by-deadline` (partition `openStatus`, sort `deadlineAt`) holds exactly the orders
 * the deadline sweep must look at:
 * - `openStatus = OPEN`, `deadlineAt` = the order's deadline: a PENDING order;
 * - `openStatus = UNPUBLISHED`, `deadlineAt` = when it closed: a terminal order whose event has not been
 *   acknowledged by EventBridge yet (an outbox entry). It leaves the index once the event is published, so
 *   a handler's retry, or the sweep's, re-publishes from the stored state and never loses the event.
 * A published terminal order carries neither attribute and is invisible to the index.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isTerminal, type Order, type OrderDecision } from '../domain/order.js';

/** The name of the sparse deadline index, as infra/tables.ts declares it. */
export const OPEN_BY_DEADLINE_INDEX = 'open-by-deadline';

/** Values of `openStatus`, the partition key of the sparse index. */
export const OpenStatus = { open: 'OPEN', unpublished: 'UNPUBLISHED' } as const;

/** An order as stored: its domain state, the version it was read at, and whether its event awaits publishing. */
export type StoredOrder = { order: Order; version: number; awaitingPublish: boolean };

/** The result of `decideAndCommit`: the decision taken on the latest stored state, and what is stored now. */
export type CommitResult = {
  decision: OrderDecision;
  stored: StoredOrder;
  /** Whether this call wrote the decision (false: the decision changed nothing). */
  committed: boolean;
  /** Writes lost to a concurrent writer before this call's decision could be committed (or found unchanged). */
  conflicts: number;
};

/** Where a page of an index query stopped; pass it back to read the next page. */
export type PageCursor = Record<string, unknown>;

/** A page of orders from the sparse index. */
export type OrderPage = { orders: Order[]; next?: PageCursor };

/** A write lost to concurrent writers more times than allowed; retrying the delivery later will settle it. */
export class OrderWriteConflictError extends Error {
  override name = 'OrderWriteConflictError';
  constructor(
    readonly orderId: string,
    readonly attempts: number,
  ) {
    super(`Order ${orderId}: lost ${attempts} concurrent updates in a row`);
  }
}

/** The table to use and the client to reach it. */
export type OrderRepositoryOptions = {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** Attempts of load -> decide -> conditional write before giving up with OrderWriteConflictError. */
  maxAttempts?: number;
};

/** The orders table, as the order service uses it. */
export type OrderRepository = ReturnType<typeof createOrderRepository>;

type OrderItem = Order & { version: number; openStatus?: string; deadlineAt?: string };

const toItem = (order: Order, version: number): OrderItem => {
  const { deadlineAt, ...rest } = order;
  if (!isTerminal(order)) return { ...rest, version, openStatus: OpenStatus.open, deadlineAt };
  return { ...rest, version, openStatus: OpenStatus.unpublished, deadlineAt: order.closedAt };
};

const fromItem = (item: Record<string, unknown>): StoredOrder => {
  const { version, openStatus, deadlineAt, ...order } = item as OrderItem;
  const terminal = isTerminal(order);
  return {
    order: terminal ? order : { ...order, deadlineAt },
    version,
    awaitingPublish: terminal && openStatus === OpenStatus.unpublished,
  };
};

/** The orders table, behind the operations the order service needs. */
export const createOrderRepository = ({
  documentClient,
  tableName,
  maxAttempts = 10,
}: OrderRepositoryOptions) => {
  const load = async (orderId: string): Promise<StoredOrder | undefined> => {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  };

  /** Writes the order if the stored version is still `expected` (absent when undefined); false if it was not. */
  const put = async (order: Order, expected: number | undefined): Promise<boolean> => {
    try {
      await documentClient.send(
        new PutCommand({
          TableName: tableName,
          Item: toItem(order, (expected ?? 0) + 1),
          ...(expected === undefined
            ? { ConditionExpression: 'attribute_not_exists(orderId)' }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expected },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  };

  const page = async (
    keyCondition: string,
    values: Record<string, unknown>,
    limit: number,
    cursor?: PageCursor,
  ): Promise<OrderPage> => {
    const { Items = [], LastEvaluatedKey } = await documentClient.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: OPEN_BY_DEADLINE_INDEX,
        KeyConditionExpression: keyCondition,
        ExpressionAttributeValues: values,
        Limit: limit,
        ExclusiveStartKey: cursor,
      }),
    );
    return {
      orders: Items.map((item) => fromItem(item).order),
      ...(LastEvaluatedKey ? { next: LastEvaluatedKey } : {}),
    };
  };

  return {
    /** The stored order, read consistently; undefined when no fact about it was received yet. */
    load,

    /**
     * Loads the order, lets `decide` take its decision on that state and commits it with a condition on
     * the version read (or on the item's absence). If another writer got there first, reloads and decides
     * again on the new state, so no fact is ever lost to a race. Writes nothing when the decision changes
     * nothing.
     */
    async decideAndCommit(
      orderId: string,
      decide: (current: Order | undefined) => OrderDecision,
    ): Promise<CommitResult> {
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const current = await load(orderId);
        const decision = decide(current?.order);
        const conflicts = attempt - 1;
        if (!decision.changed && current) return { decision, stored: current, committed: false, conflicts };
        if (await put(decision.state, current?.version)) {
          const stored = {
            order: decision.state,
            version: (current?.version ?? 0) + 1,
            awaitingPublish: isTerminal(decision.state),
          };
          return { decision, stored, committed: true, conflicts };
        }
      }
      throw new OrderWriteConflictError(orderId, maxAttempts);
    },

    /** Records that the terminal order's event reached the bus: the order leaves the sparse index. */
    async markPublished(orderId: string): Promise<void> {
      try {
        await documentClient.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { orderId },
            UpdateExpression: 'REMOVE openStatus, deadlineAt SET #version = #version + :one',
            ConditionExpression: 'openStatus = :unpublished',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':unpublished': OpenStatus.unpublished, ':one': 1 },
          }),
        );
      } catch (error) {
        // Another delivery published it and marked it first: the order already left the index.
        if (error instanceof ConditionalCheckFailedException) return;
        throw error;
      }
    },

    /**
     * Open orders whose deadline is at or before `now`, earliest deadline first, from the sparse index
     * (a query, never a scan). The index is eventually consistent: decide on a fresh `load`, not on these.
     */
    findOverdue: (now: Date, limit: number, cursor?: PageCursor): Promise<OrderPage> =>
      page(
        'openStatus = :open AND deadlineAt <= :now',
        { ':open': OpenStatus.open, ':now': now.toISOString() },
        limit,
        cursor,
      ),

    /** Terminal orders whose event is not known to be published yet, oldest first. */
    findUnpublished: (limit: number, cursor?: PageCursor): Promise<OrderPage> =>
      page('openStatus = :unpublished', { ':unpublished': OpenStatus.unpublished }, limit, cursor),
  };
};
