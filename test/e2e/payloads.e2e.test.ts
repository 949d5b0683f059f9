import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/emulator/runtime.js';
import { localDocumentClient, seedScenarioStock, tableNames } from '../../infra/local/saga/boot.js';
import { expectations, payloadFiles, readPayload } from '../../infra/local/saga/scenarios.js';
import { storefrontBus } from '../../infra/local/saga/storefront-principal.js';
import { readStock } from '../../services/inventory/adapters/inventory-repository.js';
import { createSimulatedGateway } from '../../services/payment/adapters/simulated-gateway.js';
import { OrderPlaced, SagaAudited } from '../../shared/events/index.js';
import { bootTestRuntime } from '../support/runtime.js';

/**
 * The saga end to end, on the synthesized template run by the local runtime: each test payload is put on
 * the local bus through the AWS SDK, and the end state of every service is read back from DynamoDB Local.
 */
let runtime: Runtime;
let documents: ReturnType<typeof localDocumentClient>;
let bus: EventBridgeClient;
let tables: ReturnType<typeof tableNames>;
let stock: Record<string, number>;

beforeAll(async () => {
  runtime = await bootTestRuntime();
  documents = localDocumentClient(runtime);
  bus = storefrontBus(runtime);
  tables = tableNames(runtime);
  stock = await seedScenarioStock(runtime);
});

afterAll(async () => {
  bus?.destroy();
  documents?.destroy();
  await runtime?.stop();
});

const item = async (table: string, key: Record<string, string>) =>
  (await documents.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

const totalStock = async () =>
  Object.values(await readStock(documents, tables.inventory, Object.keys(stock))).reduce((a, b) => a + b, 0);

const expected = expectations();

describe('every test payload, end to end on the local runtime', () => {
  it.each(payloadFiles())(
    '%s ends as its expectation says, and the audit finds it consistent',
    async (file) => {
      const want = expected[file];
      if (!want) throw new Error(`${file} has no expectation in test/scenarios/expected.json`);
      const entries = readPayload(file);
      const order = OrderPlaced.detail.parse(JSON.parse(entries[0]?.Detail ?? ''));
      const stockBefore = await totalStock();

      const response = await bus.send(new PutEventsCommand({ Entries: entries }));
      expect(response.FailedEntryCount).toBe(0);
      const log = await runtime.waitFor(
        (events) =>
          events.some(
            (e) =>
              e.event['detail-type'] === SagaAudited.detailType && e.event.detail.orderId === order.orderId,
          ),
        { timeoutMs: 30_000 },
      );
      await runtime.idle({ timeoutMs: 30_000 });

      const audit = log.find(
        (e) => e.event['detail-type'] === SagaAudited.detailType && e.event.detail.orderId === order.orderId,
      )?.event.detail as SagaAudited;
      expect(audit).toMatchObject({ outcome: want.outcome, consistent: true, findings: [] });

      const stored = await item(tables.orders, { orderId: order.orderId });
      expect(stored).toMatchObject({ status: want.outcome });
      if (want.reason) expect(stored).toMatchObject({ cancelReason: want.reason, cancelCause: want.cause });

      const payment = await item(tables.payments, { orderId: order.orderId });
      const reservation = await item(tables.inventory, { pk: `RESERVATION#${order.orderId}` });
      const ledger = await createSimulatedGateway({
        documentClient: documents,
        tableName: tables.paymentGateway,
      }).ledgerEntry(order.orderId);
      expect(ledger?.chargesCreated ?? 0).toBeLessThanOrEqual(1);
      if (want.outcome === 'CONFIRMED') {
        expect(payment).toMatchObject({ status: 'CHARGED', amountCents: order.amountCents });
        expect(ledger).toMatchObject({
          chargesCreated: 1,
          refundsCreated: 0,
          amountCents: order.amountCents,
        });
        expect(reservation).toMatchObject({ status: 'RESERVED' });
        expect(await totalStock()).toBe(
          stockBefore - order.items.reduce((sum, line) => sum + line.quantity, 0),
        );
      } else {
        expect(['DECLINED', 'TOMBSTONED', 'REFUNDED']).toContain(payment?.status);
        expect((ledger?.chargesCreated ?? 0) - (ledger?.refundsCreated ?? 0)).toBe(0);
        expect(['CANCELLED', 'RELEASED', 'FAILED']).toContain(reservation?.status);
        expect(await totalStock()).toBe(stockBefore);
      }
      expect(runtime.deadLetters().flatMap((queue) => queue.messages)).toEqual([]);
    },
  );
});
