/**
 * The payment use cases on the real DynamoDB adapters with no idempotency layer in front: the races that
 * Powertools usually hides (two deliveries of one fact at once, a cancellation racing its order) are settled
 * by the conditional writes alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createPaymentRepository } from '../../../services/payment/adapters/payment-repository.js';
import {
  createSimulatedGateway,
  type SimulatedGateway,
} from '../../../services/payment/adapters/simulated-gateway.js';
import type { PaymentRepository } from '../../../services/payment/domain/ports.js';
import { chargePayment, refundPayment } from '../../../services/payment/payment-service.js';
import { PaymentProcessed } from '../../../shared/events/index.js';
import { createTables, localDynamo } from '../../support/aws.js';
import { recordingMetrics } from '../support/metrics.js';
import { orderCancelledDelivery, orderPlacedDelivery, RecordingLogger } from '../support/payment-fixtures.js';
import { RecordingPublisher } from '../support/payment-in-memory.js';

describe('the payment use cases under concurrent deliveries', () => {
  let repository: PaymentRepository;
  let gateway: SimulatedGateway;

  beforeAll(async () => {
    const { client, documentClient } = localDynamo();
    const tables = await createTables(client, ['payments', 'paymentGateway']);
    repository = createPaymentRepository({ documentClient, tableName: tables.payments });
    gateway = createSimulatedGateway({ documentClient, tableName: tables.paymentGateway });
  });

  const depsWith = (publisher: RecordingPublisher) => ({
    repository,
    gateway,
    publisher,
    logger: new RecordingLogger(),
    metrics: recordingMetrics().metrics,
    now: () => new Date(),
  });

  it('charges once for two concurrent deliveries, both publishing the same PaymentProcessed', async () => {
    const publisher = new RecordingPublisher();
    const order = orderPlacedDelivery().detail;

    await Promise.all([chargePayment(depsWith(publisher), order), chargePayment(depsWith(publisher), order)]);

    expect(await gateway.ledgerEntry(order.orderId)).toMatchObject({ chargesCreated: 1 });
    const published = publisher.published.filter((e) => e.detailType === PaymentProcessed.detailType);
    expect(published).toHaveLength(2);
    expect(published[1]).toEqual(published[0]);
  });

  it('settles every order whose cancellation races its charge with nothing kept and nothing charged twice', async () => {
    const publisher = new RecordingPublisher();
    const orders = Array.from({ length: 12 }, () => orderPlacedDelivery().detail);

    await Promise.all(
      orders.flatMap((order) => [
        chargePayment(depsWith(publisher), order),
        refundPayment(depsWith(publisher), orderCancelledDelivery(order.orderId).detail),
        chargePayment(depsWith(publisher), order),
      ]),
    );

    for (const order of orders) {
      const entry = await gateway.ledgerEntry(order.orderId);
      const state = await repository.load(order.orderId);
      expect(entry?.chargesCreated ?? 0).toBeLessThanOrEqual(1);
      expect(entry?.refundsCreated ?? 0).toBe(entry?.chargesCreated ?? 0);
      expect(state?.status).toBe((entry?.chargesCreated ?? 0) === 1 ? 'REFUNDED' : 'TOMBSTONED');
    }
  });
});
