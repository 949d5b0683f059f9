import { beforeAll, describe, expect, it } from 'vitest';
import {
  createSimulatedGateway,
  type SimulatedGateway,
} from '../../../../services/payment/adapters/simulated-gateway.js';
import {
  GatewayUnavailableError,
  IdempotencyKeyReusedError,
} from '../../../../services/payment/domain/ports.js';
import { createTables, localDynamo } from '../../../support/aws.js';
import { newOrderId } from '../../support/payment-fixtures.js';

/** Resolves the calls of its waiters only once `parties` of them are waiting. */
const barrier = (parties: number) => {
  let waiting = 0;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    waiting += 1;
    if (waiting >= parties) release();
    return released;
  };
};

const chargeOf = (token: string, idempotencyKey = newOrderId()) => ({
  idempotencyKey,
  amountCents: 3399,
  currency: 'EUR',
  token,
});

describe('the simulated payment gateway', () => {
  let gateway: SimulatedGateway;
  let tableName: string;

  beforeAll(async () => {
    const { client, documentClient } = localDynamo();
    tableName = (await createTables(client, ['paymentGateway'])).paymentGateway;
    gateway = createSimulatedGateway({ documentClient, tableName });
  });

  it('charges a visa token and records one charge in its ledger', async () => {
    const request = chargeOf('tok_visa');

    const result = await gateway.charge(request);

    expect(result).toEqual({ outcome: 'CHARGED', paymentId: expect.stringMatching(/^pay_/) });
    expect(await gateway.ledgerEntry(request.idempotencyKey)).toMatchObject({
      outcome: 'CHARGED',
      amountCents: 3399,
      currency: 'EUR',
      chargeAttempts: 1,
      chargesCreated: 1,
    });
  });

  it.each([
    ['tok_declined', 'CARD_DECLINED'],
    ['tok_insufficient_funds', 'INSUFFICIENT_FUNDS'],
    ['tok_amex', 'CARD_DECLINED'],
  ])('declines %s with %s and charges nothing', async (token, reason) => {
    const request = chargeOf(token);

    const result = await gateway.charge(request);

    expect(result).toEqual({ outcome: 'DECLINED', reason });
    expect(await gateway.ledgerEntry(request.idempotencyKey)).toMatchObject({ chargesCreated: 0 });
  });

  it('answers a second charge with the same key with the first result, charging once', async () => {
    const request = chargeOf('tok_visa');

    const first = await gateway.charge(request);
    const second = await gateway.charge(request);

    expect(second).toEqual(first);
    expect(await gateway.ledgerEntry(request.idempotencyKey)).toMatchObject({
      chargeAttempts: 2,
      chargesCreated: 1,
    });
  });

  it('creates exactly one charge for two concurrent calls with one key', async () => {
    // Both calls pass their attempt counter before either records its outcome: the race at its worst.
    const racing = localDynamo().documentClient;
    const bothReady = barrier(2);
    racing.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { ConditionExpression?: string };
        if (input.ConditionExpression === 'attribute_not_exists(outcome)') await bothReady();
        return next(args);
      },
      { step: 'initialize', name: 'bothCallsRecordAtOnce' },
    );
    const racingGateway = createSimulatedGateway({ documentClient: racing, tableName });
    const request = chargeOf('tok_visa');

    const [first, second] = await Promise.all([racingGateway.charge(request), racingGateway.charge(request)]);

    expect(second).toEqual(first);
    expect(await gateway.ledgerEntry(request.idempotencyKey)).toMatchObject({
      chargeAttempts: 2,
      chargesCreated: 1,
    });
  });

  it('creates exactly one charge for many concurrent calls with one key', async () => {
    const request = chargeOf('tok_visa');

    const results = await Promise.all(Array.from({ length: 10 }, () => gateway.charge(request)));

    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(await gateway.ledgerEntry(request.idempotencyKey)).toMatchObject({
      chargeAttempts: 10,
      chargesCreated: 1,
    });
  });

  it('refuses to reuse a key for a charge of another amount', async () => {
    const request = chargeOf('tok_visa');
    await gateway.charge(request);

    await expect(gateway.charge({ ...request, amountCents: 1 })).rejects.toThrow(IdempotencyKeyReusedError);
    expect(await gateway.ledgerEntry(request.idempotencyKey)).toMatchObject({
      amountCents: 3399,
      chargesCreated: 1,
    });
  });

  it('fails a charge_fails_2 token twice transiently, then charges', async () => {
    const request = chargeOf('tok_visa_charge_fails_2');

    await expect(gateway.charge(request)).rejects.toThrow(GatewayUnavailableError);
    await expect(gateway.charge(request)).rejects.toThrow(GatewayUnavailableError);
    const third = await gateway.charge(request);

    expect(third.outcome).toBe('CHARGED');
    expect(await gateway.ledgerEntry(request.idempotencyKey)).toMatchObject({
      chargeAttempts: 3,
      chargesCreated: 1,
    });
  });

  it('gives a flaky declined token its refusal once its failures are over', async () => {
    const request = chargeOf('tok_declined_charge_fails_1');

    await expect(gateway.charge(request)).rejects.toThrow(GatewayUnavailableError);

    expect(await gateway.charge(request)).toEqual({ outcome: 'DECLINED', reason: 'CARD_DECLINED' });
  });

  it('counts failures across gateway instances, as across Lambda instances', async () => {
    const request = chargeOf('tok_visa_charge_fails_1');
    const otherInstance = createSimulatedGateway({ documentClient: localDynamo().documentClient, tableName });

    await expect(gateway.charge(request)).rejects.toThrow(GatewayUnavailableError);
    const second = await otherInstance.charge(request);

    expect(second.outcome).toBe('CHARGED');
    expect(await gateway.ledgerEntry(request.idempotencyKey)).toMatchObject({ chargesCreated: 1 });
  });

  it('refunds a charge once, and answers a second refund with the same refund', async () => {
    const request = chargeOf('tok_visa');
    const charged = await gateway.charge(request);
    if (charged.outcome !== 'CHARGED') throw new Error('expected a charge');

    const first = await gateway.refund({ idempotencyKey: request.idempotencyKey });
    const second = await gateway.refund({ idempotencyKey: request.idempotencyKey });

    expect(first).toEqual({ outcome: 'REFUNDED', paymentId: charged.paymentId, amountCents: 3399 });
    expect(second).toEqual(first);
    expect(await gateway.ledgerEntry(request.idempotencyKey)).toMatchObject({
      chargesCreated: 1,
      refundsCreated: 1,
      refundedAt: expect.any(String),
    });
  });

  it('refunds once for two concurrent refunds of one charge', async () => {
    const request = chargeOf('tok_visa');
    await gateway.charge(request);

    const [first, second] = await Promise.all([
      gateway.refund({ idempotencyKey: request.idempotencyKey }),
      gateway.refund({ idempotencyKey: request.idempotencyKey }),
    ]);

    expect(second).toEqual(first);
    expect(await gateway.ledgerEntry(request.idempotencyKey)).toMatchObject({ refundsCreated: 1 });
  });

  it('has nothing to refund for a key never charged, and records nothing', async () => {
    const idempotencyKey = newOrderId();

    const result = await gateway.refund({ idempotencyKey });

    expect(result).toEqual({ outcome: 'NOTHING_TO_REFUND' });
    expect(await gateway.ledgerEntry(idempotencyKey)).toBeUndefined();
  });

  it('has nothing to refund for a declined charge', async () => {
    const request = chargeOf('tok_declined');
    await gateway.charge(request);

    expect(await gateway.refund({ idempotencyKey: request.idempotencyKey })).toEqual({
      outcome: 'NOTHING_TO_REFUND',
    });
  });

  it('fails a refund_fails_2 token twice transiently, then refunds', async () => {
    const request = chargeOf('tok_visa_refund_fails_2');
    await gateway.charge(request);
    const refund = () => gateway.refund({ idempotencyKey: request.idempotencyKey });

    await expect(refund()).rejects.toThrow(GatewayUnavailableError);
    await expect(refund()).rejects.toThrow(GatewayUnavailableError);
    const third = await refund();

    expect(third.outcome).toBe('REFUNDED');
    expect(await gateway.ledgerEntry(request.idempotencyKey)).toMatchObject({
      refundAttempts: 3,
      refundsCreated: 1,
    });
  });

  it('never exposes the payment token in its ledger entries', async () => {
    const request = chargeOf('tok_visa');
    await gateway.charge(request);

    expect(JSON.stringify(await gateway.ledgerEntry(request.idempotencyKey))).not.toContain('tok_');
  });
});
