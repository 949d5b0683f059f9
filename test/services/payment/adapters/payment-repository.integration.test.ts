import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPaymentRepository } from '../../../../services/payment/adapters/payment-repository.js';
import type { ChargedPayment, TombstonedPayment } from '../../../../services/payment/domain/payment.js';
import type { PaymentRepository } from '../../../../services/payment/domain/ports.js';
import { STALE } from '../../../../shared/optimistic-commit.js';
import { createTables, localDynamo } from '../../../support/aws.js';
import { newOrderId } from '../../support/payment-fixtures.js';

const chargedOf = (orderId: string): ChargedPayment => ({
  orderId,
  status: 'CHARGED',
  paymentId: 'pay_1',
  amountCents: 3399,
  currency: 'EUR',
  items: [
    { sku: 'MUG-RED', description: 'Red mug', quantity: 2, unitPriceCents: 1250 },
    { sku: 'TEA-TIN', quantity: 1, unitPriceCents: 899 },
  ],
  chargedAt: '2024-03-01T12:00:00.000Z',
});

const tombstoneOf = (orderId: string): TombstonedPayment => ({
  orderId,
  status: 'TOMBSTONED',
  cancelReason: 'DEADLINE_EXCEEDED',
  cancelledAt: '2024-03-01T12:00:00.000Z',
});

describe('the payment repository', () => {
  let repository: PaymentRepository;
  /** Writes an item as an earlier version of the service stored it, bypassing the repository. */
  let putRaw: (item: Record<string, unknown>) => Promise<unknown>;

  beforeAll(async () => {
    const { client, documentClient } = localDynamo();
    const tables = await createTables(client, ['payments']);
    repository = createPaymentRepository({ documentClient, tableName: tables.payments });
    putRaw = (item) => documentClient.send(new PutCommand({ TableName: tables.payments, Item: item }));
  });

  it('finds nothing for an order it never recorded', async () => {
    expect(await repository.load(newOrderId())).toBeUndefined();
  });

  it('records a payment for a new order and reads it back whole', async () => {
    const payment = chargedOf(newOrderId());

    const committed = await repository.save(payment, undefined);

    expect(committed).toBe('committed');
    expect(await repository.load(payment.orderId)).toEqual(payment);
  });

  it('refuses to record a new payment over an existing one', async () => {
    const orderId = newOrderId();
    await repository.save(tombstoneOf(orderId), undefined);

    const committed = await repository.save(chargedOf(orderId), undefined);

    expect(committed).toBe(STALE);
    expect(await repository.load(orderId)).toEqual(tombstoneOf(orderId));
  });

  it('lets exactly one of two concurrent first writes win', async () => {
    const orderId = newOrderId();

    const results = await Promise.all([
      repository.save(chargedOf(orderId), undefined),
      repository.save(tombstoneOf(orderId), undefined),
    ]);

    expect(results.filter((result) => result === 'committed')).toHaveLength(1);
  });

  it('moves a payment on from the status it expects', async () => {
    const charged = chargedOf(newOrderId());
    await repository.save(charged, undefined);
    const refunded = { ...charged, status: 'REFUNDED', refundedAt: '2024-03-01T12:05:00.000Z' } as const;

    const committed = await repository.save(refunded, 'CHARGED');

    expect(committed).toBe('committed');
    expect(await repository.load(charged.orderId)).toEqual(refunded);
  });

  it('refuses to move a payment on from a status it no longer has', async () => {
    const orderId = newOrderId();
    await repository.save(tombstoneOf(orderId), undefined);
    const refunded = {
      ...chargedOf(orderId),
      status: 'REFUNDED',
      refundedAt: '2024-03-01T12:05:00.000Z',
    } as const;

    const committed = await repository.save(refunded, 'CHARGED');

    expect(committed).toBe(STALE);
    expect(await repository.load(orderId)).toEqual(tombstoneOf(orderId));
  });

  it('refuses to move on a payment that does not exist', async () => {
    const orderId = newOrderId();

    expect(await repository.save(tombstoneOf(orderId), 'TOMBSTONED')).toBe(STALE);
    expect(await repository.load(orderId)).toBeUndefined();
  });

  it('reads a tombstone stored with the legacy status CANCELLED as TOMBSTONED', async () => {
    const orderId = newOrderId();
    await putRaw({ ...tombstoneOf(orderId), status: 'CANCELLED' });

    expect(await repository.load(orderId)).toEqual(tombstoneOf(orderId));
  });

  it('moves a legacy CANCELLED tombstone on as it moves a TOMBSTONED one', async () => {
    const orderId = newOrderId();
    await putRaw({ ...tombstoneOf(orderId), status: 'CANCELLED' });
    const refunded = {
      ...chargedOf(orderId),
      status: 'REFUNDED',
      refundedAt: '2024-03-01T12:05:00.000Z',
    } as const;

    const committed = await repository.save(refunded, 'TOMBSTONED');

    expect(committed).toBe('committed');
    expect(await repository.load(orderId)).toEqual(refunded);
  });

  it('refuses to read an item whose status is unknown, naming the field', async () => {
    const orderId = newOrderId();
    await putRaw({ ...tombstoneOf(orderId), status: 'VOID' });

    await expect(repository.load(orderId)).rejects.toThrow(/status/);
  });
});
