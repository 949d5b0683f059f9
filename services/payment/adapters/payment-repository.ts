/**
 * The payments table (`TableSpecs.payments`: partition key `orderId`), one item per order, each write
 * conditional on the status its decision was made from.
 *
 * Migration of the tombstone's status: items written before the tombstone had its own status carry
 * `CANCELLED`. They are read as TOMBSTONED (the row schema maps the word on the way in), and a write that
 * expects a TOMBSTONED item accepts either word, so an old tombstone is refunded behind like a new one and
 * nothing needs rewriting. New tombstones are written as TOMBSTONED.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import {
  AmountCents,
  Currency,
  Id,
  OrderCancelled,
  OrderLine,
  PaymentFailureReason,
  Timestamp,
} from '../../../shared/events/index.js';
import { writeConditionally } from '../../../shared/optimistic-commit.js';
import type { Payment, PaymentStatus } from '../domain/payment.js';
import type { PaymentRepository } from '../domain/ports.js';

/** The tombstone's status before it had its own word (the order's terminal status, which it was confused with). */
export const LEGACY_TOMBSTONE_STATUS = 'CANCELLED';

const charge = { orderId: Id, amountCents: AmountCents, currency: Currency };

/** An item of the payments table as read: a payment of any status, legacy tombstones included. */
const PaymentRow = z.pipe(
  z.transform((row: unknown) =>
    (row as { status?: unknown } | null)?.status === LEGACY_TOMBSTONE_STATUS
      ? { ...(row as object), status: 'TOMBSTONED' }
      : row,
  ),
  z.discriminatedUnion('status', [
    z.object({
      ...charge,
      status: z.literal('CHARGED'),
      paymentId: z.string(),
      items: z.array(OrderLine),
      chargedAt: Timestamp,
    }),
    z.object({
      ...charge,
      status: z.literal('DECLINED'),
      reason: PaymentFailureReason,
      declinedAt: Timestamp,
    }),
    z.object({
      ...charge,
      status: z.literal('REFUNDED'),
      paymentId: z.string(),
      items: z.array(OrderLine),
      chargedAt: z.optional(Timestamp),
      refundedAt: Timestamp,
    }),
    z.object({
      orderId: Id,
      status: z.literal('TOMBSTONED'),
      // Read as tolerantly as the event it came from: a tombstone of a reason added later stays readable.
      cancelReason: OrderCancelled.detail.shape.reason,
      cancelledAt: Timestamp,
    }),
  ]),
);

/** The stored words that a write expecting `expected` accepts: a tombstone may still carry the legacy word. */
const storedWordsOf = (expected: PaymentStatus): string[] =>
  expected === 'TOMBSTONED' ? [expected, LEGACY_TOMBSTONE_STATUS] : [expected];

/** The condition of a write that expects the item with one of `words` as its status, or no item at all. */
const conditionOn = (expected: PaymentStatus | undefined) => {
  if (expected === undefined) return { ConditionExpression: 'attribute_not_exists(orderId)' };
  const words = storedWordsOf(expected);
  const values = Object.fromEntries(words.map((word, index) => [`:expected${index}`, word]));
  return {
    ConditionExpression: `#status IN (${Object.keys(values).join(', ')})`,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: values,
  };
};

/** The table to use and the client to reach it. */
export type PaymentRepositoryOptions = {
  documentClient: DynamoDBDocumentClient;
  /** The payments table (`TableSpecs.payments`: partition key `orderId`). */
  tableName: string;
};

/** The payments table in DynamoDB. */
export const createPaymentRepository = ({
  documentClient,
  tableName,
}: PaymentRepositoryOptions): PaymentRepository => ({
  async load(orderId) {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : (PaymentRow.parse(Item) satisfies Payment);
  },

  save: (payment, expected) =>
    writeConditionally(() =>
      documentClient.send(new PutCommand({ TableName: tableName, Item: payment, ...conditionOn(expected) })),
    ),
});
