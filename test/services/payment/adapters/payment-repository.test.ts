import { beforeAll, describe, expect, it } from 'vitest';
import {
  createPaymentRepository,
  type PaymentRepository,
} from '../../../../services/payment/adapters/payment-repository.js';
import type { CancelledPayment, ChargedPayment } from '../../../../services/payment/domain/payment.js';
import { createTables, localDynamo } from '../../../support/aws.js';
import { newOrderId } from '../support/fixtures.js';

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

const tombstoneOf = (orderId: string): CancelledPayment => ({
  orderId,
  status: 'CANCELLED',
  cancelReason: 'DEADLINE_EXCEEDED',
  cancelledAt: '2024-03-01T12:00:00.000Z',
});

describe('the payment repository', () => {
  let repository: PaymentRepository;

  beforeAll(async () => {
    const { client, documentClient } = localDynamo();
    const tables = await createTables(client, ['payments']);
    repository = createPaymentRepository({ documentClient, tableName: tables.payments });
  });

  it('finds nothing for an order it never recorded', async () => {
    expect(await repository.get(newOrderId())).toBeUndefined();
  });

  it('records a payment for a new order and reads it back whole', async () => {
    const payment = chargedOf(newOrderId());

    const committed = await repository.commit(undefined, payment);

    expect(committed).toBe(true);
    expect(await repository.get(payment.orderId)).toEqual(payment);
  });

  it('refuses to record a new payment over an existing one', async () => {
    const orderId = newOrderId();
    await repository.commit(undefined, tombstoneOf(orderId));

    const committed = await repository.commit(undefined, chargedOf(orderId));

    expect(committed).toBe(false);
    expect(await repository.get(orderId)).toEqual(tombstoneOf(orderId));
  });

  it('lets exactly one of two concurrent first writes win', async () => {
    const orderId = newOrderId();

    const results = await Promise.all([
      repository.commit(undefined, chargedOf(orderId)),
      repository.commit(undefined, tombstoneOf(orderId)),
    ]);

    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('moves a payment on from the status it expects', async () => {
    const charged = chargedOf(newOrderId());
    await repository.commit(undefined, charged);
    const refunded = { ...charged, status: 'REFUNDED', refundedAt: '2024-03-01T12:05:00.000Z' } as const;

    const committed = await repository.commit('CHARGED', refunded);

    expect(committed).toBe(true);
    expect(await repository.get(charged.orderId)).toEqual(refunded);
  });

  it('refuses to move a payment on from a status it no longer has', async () => {
    const orderId = newOrderId();
    await repository.commit(undefined, tombstoneOf(orderId));
    const refunded = {
      ...chargedOf(orderId),
      status: 'REFUNDED',
      refundedAt: '2024-03-01T12:05:00.000Z',
    } as const;

    const committed = await repository.commit('CHARGED', refunded);

    expect(committed).toBe(false);
    expect(await repository.get(orderId)).toEqual(tombstoneOf(orderId));
  });

  it('refuses to move on a payment that does not exist', async () => {
    const orderId = newOrderId();

    expect(await repository.commit('CANCELLED', tombstoneOf(orderId))).toBe(false);
    expect(await repository.get(orderId)).toBeUndefined();
  });
});
