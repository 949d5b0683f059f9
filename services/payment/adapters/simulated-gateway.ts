import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { PaymentFailureReason } from '../../../shared/events/index.js';
import { isConditionalCheckFailed, STALE, writeConditionally } from '../../../shared/optimistic-commit.js';
import {
  type ChargeResult,
  GatewayUnavailableError,
  IdempotencyKeyReusedError,
  type PaymentGateway,
} from '../domain/ports.js';
import { behaviourOf } from './test-tokens.js';

/**
 * One entry of the simulated provider's ledger: everything it knows about one idempotency key.
 * The counters are what tests and chaos runs check: `chargesCreated` is how many calls actually created a
 * charge (the provider's promise is that it never exceeds 1), `refundsCreated` how many refunded one.
 */
export type LedgerEntry = {
  idempotencyKey: string;
  amountCents: number;
  currency: string;
  /** Calls to charge with this key, transient failures included. */
  chargeAttempts: number;
  /** Calls to refund that found a charge not yet refunded, transient failures included. */
  refundAttempts: number;
  chargesCreated: number;
  refundsCreated: number;
  outcome?: 'CHARGED' | 'DECLINED';
  paymentId?: string;
  reason?: PaymentFailureReason;
  chargedAt?: string;
  refundedAt?: string;
};

/** The simulated provider: the port, plus a read of its ledger for tests and chaos checks. */
export type SimulatedGateway = PaymentGateway & {
  /** The ledger entry of a key, read strongly consistent; undefined when charge was never called with it. */
  ledgerEntry(idempotencyKey: string): Promise<LedgerEntry | undefined>;
};

export type SimulatedGatewayOptions = {
  documentClient: DynamoDBDocumentClient;
  /** The provider's own table (`TableSpecs.paymentGateway`: partition key `idempotencyKey`). */
  tableName: string;
  newPaymentId?: () => string;
  now?: () => Date;
};

/**
 * A ledger item as read. The token is stored with the entry (never returned by `ledgerEntry`): the provider
 * needs it to know the refund behaviour.
 */
const LedgerRow = z.object({
  idempotencyKey: z.string(),
  token: z.string(),
  amountCents: z.number(),
  currency: z.string(),
  chargeAttempts: z.number(),
  refundAttempts: z.number(),
  chargesCreated: z.number(),
  refundsCreated: z.number(),
  outcome: z.optional(z.enum(['CHARGED', 'DECLINED'])),
  paymentId: z.optional(z.string()),
  reason: z.optional(PaymentFailureReason),
  chargedAt: z.optional(z.string()),
  refundedAt: z.optional(z.string()),
});
type StoredEntry = z.output<typeof LedgerRow>;

/** The simulated provider's table, as its operations reach it. */
type Ledger = { documentClient: DynamoDBDocumentClient; tableName: string; now: () => Date };

/** Counts a charge attempt on the key's entry, creating it with the request; the entry as it is now. */
const countChargeAttempt = async (
  { documentClient, tableName }: Ledger,
  { idempotencyKey, amountCents, currency, token }: Parameters<SimulatedGateway['charge']>[0],
) => {
  const { Attributes } = await documentClient.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { idempotencyKey },
      UpdateExpression:
        'SET #token = if_not_exists(#token, :token), amountCents = if_not_exists(amountCents, :amountCents), ' +
        'currency = if_not_exists(currency, :currency) ' +
        'ADD chargeAttempts :one, refundAttempts :zero, chargesCreated :zero, refundsCreated :zero',
      ExpressionAttributeNames: { '#token': 'token' },
      ExpressionAttributeValues: {
        ':token': token,
        ':amountCents': amountCents,
        ':currency': currency,
        ':one': 1,
        ':zero': 0,
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return LedgerRow.parse(Attributes);
};

/** Records a charge's outcome, only if none is recorded yet (throws ConditionalCheckFailed otherwise). */
const recordOutcome = (
  { documentClient, tableName, now }: Ledger,
  idempotencyKey: string,
  result: ChargeResult,
) =>
  documentClient.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { idempotencyKey },
      ...(result.outcome === 'CHARGED'
        ? {
            UpdateExpression:
              'SET outcome = :outcome, paymentId = :paymentId, chargedAt = :at ADD chargesCreated :one',
            ExpressionAttributeValues: {
              ':outcome': result.outcome,
              ':paymentId': result.paymentId,
              ':at': now().toISOString(),
              ':one': 1,
            },
          }
        : {
            UpdateExpression: 'SET outcome = :outcome, reason = :reason',
            ExpressionAttributeValues: { ':outcome': result.outcome, ':reason': result.reason },
          }),
      ConditionExpression: 'attribute_not_exists(outcome)',
    }),
  );

/**
 * A key's first charge call, when its token fails no charge: the entry created with the attempt counted
 * and the outcome recorded, in one write, only if the key has no entry yet (throws ConditionalCheckFailed
 * otherwise). The entry is the one the two writes of a later call would leave.
 */
const recordFirstCharge = (
  { documentClient, tableName, now }: Ledger,
  { idempotencyKey, amountCents, currency, token }: Parameters<SimulatedGateway['charge']>[0],
  result: ChargeResult,
) =>
  documentClient.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        idempotencyKey,
        token,
        amountCents,
        currency,
        chargeAttempts: 1,
        refundAttempts: 0,
        chargesCreated: result.outcome === 'CHARGED' ? 1 : 0,
        refundsCreated: 0,
        ...(result.outcome === 'CHARGED'
          ? { outcome: result.outcome, paymentId: result.paymentId, chargedAt: now().toISOString() }
          : { outcome: result.outcome, reason: result.reason }),
      },
      ConditionExpression: 'attribute_not_exists(idempotencyKey)',
    }),
  );

/** Counts a refund attempt on the key's entry; the attempts so far. */
const countRefundAttempt = async ({ documentClient, tableName }: Ledger, idempotencyKey: string) => {
  const { Attributes } = await documentClient.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { idempotencyKey },
      UpdateExpression: 'ADD refundAttempts :one',
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return LedgerRow.shape.refundAttempts.parse(Attributes?.refundAttempts);
};

/** Marks the charge refunded, once: a concurrent refund that got there first refunded it either way. */
const markRefunded = async ({ documentClient, tableName, now }: Ledger, idempotencyKey: string) => {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { idempotencyKey },
        UpdateExpression: 'SET refundedAt = :at ADD refundsCreated :one',
        ConditionExpression: 'outcome = :charged AND attribute_not_exists(refundedAt)',
        ExpressionAttributeValues: { ':at': now().toISOString(), ':one': 1, ':charged': 'CHARGED' },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
};

/**
 * A payment provider simulated in its own DynamoDB table, behaving as the test tokens say (see
 * `test-tokens.ts`). Idempotent by key with conditional writes: the write that records a charge only
 * succeeds if no outcome is recorded yet, so concurrent calls with one key create at most one charge, and
 * every later call answers the recorded outcome. The transient-failure counters are atomic (`ADD`) in the
 * entry, so "fails N times" holds across Lambda instances.
 */
export const createSimulatedGateway = ({
  documentClient,
  tableName,
  newPaymentId = () => `pay_${randomUUID().replaceAll('-', '')}`,
  now = () => new Date(),
}: SimulatedGatewayOptions): SimulatedGateway => {
  const ledger: Ledger = { documentClient, tableName, now };
  const read = async (idempotencyKey: string) => {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: { idempotencyKey }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : LedgerRow.parse(Item);
  };

  const recorded = (entry: StoredEntry): ChargeResult =>
    entry.outcome === 'CHARGED'
      ? { outcome: 'CHARGED', paymentId: entry.paymentId as string }
      : { outcome: 'DECLINED', reason: entry.reason as PaymentFailureReason };

  return {
    async charge(request) {
      const { idempotencyKey, amountCents, currency, token } = request;
      const behaviour = behaviourOf(token);
      const answer = (): ChargeResult =>
        behaviour.answer.outcome === 'CHARGE'
          ? { outcome: 'CHARGED', paymentId: newPaymentId() }
          : { outcome: 'DECLINED', reason: behaviour.answer.reason };
      // The usual call, a key's first with a token that does not fail: one write. A key seen before takes
      // the general path below.
      if (behaviour.chargeFails === 0) {
        const result = answer();
        if ((await writeConditionally(() => recordFirstCharge(ledger, request, result))) !== STALE) {
          return result;
        }
      }
      const entry = await countChargeAttempt(ledger, request);
      if (entry.token !== token || entry.amountCents !== amountCents || entry.currency !== currency) {
        throw new IdempotencyKeyReusedError(idempotencyKey);
      }
      if (entry.outcome !== undefined) return recorded(entry);

      if (entry.chargeAttempts <= behaviour.chargeFails) {
        throw new GatewayUnavailableError(
          `Payment provider unavailable (simulated): charge attempt ${entry.chargeAttempts} of key ${idempotencyKey}`,
        );
      }
      const result = answer();
      try {
        await recordOutcome(ledger, idempotencyKey, result);
        return result;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        // A concurrent call with the same key recorded its outcome first: that outcome is the answer.
        return recorded((await read(idempotencyKey)) as StoredEntry);
      }
    },

    async refund({ idempotencyKey }) {
      const entry = await read(idempotencyKey);
      if (entry?.outcome !== 'CHARGED') return { outcome: 'NOTHING_TO_REFUND' };
      const refunded = {
        outcome: 'REFUNDED',
        paymentId: entry.paymentId as string,
        amountCents: entry.amountCents,
      } as const;
      if (entry.refundedAt !== undefined) return refunded;

      const attempts = await countRefundAttempt(ledger, idempotencyKey);
      if (attempts <= behaviourOf(entry.token).refundFails) {
        throw new GatewayUnavailableError(
          `Payment provider unavailable (simulated): refund attempt ${attempts} of key ${idempotencyKey}`,
        );
      }
      await markRefunded(ledger, idempotencyKey);
      return refunded;
    },

    async ledgerEntry(idempotencyKey) {
      const entry = await read(idempotencyKey);
      if (entry === undefined) return undefined;
      const { token: _token, ...rest } = entry;
      return rest;
    },
  };
};
