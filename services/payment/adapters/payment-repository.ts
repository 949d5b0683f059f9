import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Payment, PaymentStatus } from '../domain/payment.js';

/**
 * Where the payment service keeps its state: one item per order. Writes are conditional on the state the
 * decision was made from, so two deliveries racing on one order cannot both win.
 */
export interface PaymentRepository {
  /** The order's payment, read strongly consistent; undefined when none is recorded. */
  get(orderId: string): Promise<Payment | undefined>;
  /**
   * Commits `payment` if the stored status is still `expected` (undefined: only if the order has no item).
   * Returns false, changing nothing, when another delivery committed first.
   */
  commit(expected: PaymentStatus | undefined, payment: Payment): Promise<boolean>;
}

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
  async get(orderId) {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item as Payment | undefined;
  },

  async commit(expected, payment) {
    try {
      await documentClient.send(
        new PutCommand({
          TableName: tableName,
          Item: payment,
          ...(expected === undefined
            ? { ConditionExpression: 'attribute_not_exists(orderId)' }
            : {
                ConditionExpression: '#status = :expected',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':expected': expected },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  },
});

/** DynamoDB refused a write because its condition did not hold. */
export const isConditionalCheckFailed = (error: unknown): boolean =>
  (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
