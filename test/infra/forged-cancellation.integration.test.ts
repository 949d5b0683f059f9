/**
 * The audit's verdict on a forged cancellation: an `OrderCancelled` for an order the orders table holds
 * CONFIRMED, after which payment refunded and inventory released a saga that had committed. The bus policy
 * now refuses such a fact from anyone but the order service; the audit still names it, should one get through.
 */
import { randomUUID } from 'node:crypto';
import type {
  PutEventsCommand,
  PutEventsCommandOutput,
  PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditSubstitution, auditDefinition, substitute } from '../../infra/constructs/audit-definition.js';
import { type ItemClient, runStateMachine } from '../../infra/local/emulator/stepfunctions/state-machine.js';
import { SagaAudited, SagaOutcome } from '../../shared/events/index.js';
import { createTables, localDynamo } from '../support/aws.js';

const { client, documentClient } = localDynamo();
let tables: Record<'orders' | 'payments' | 'inventory' | 'audit', string>;

beforeAll(async () => {
  tables = await createTables(client, ['orders', 'payments', 'inventory', 'audit']);
});

/** Records what the audit puts on the bus, and accepts it. */
const recordingBus = () => {
  const entries: PutEventsRequestEntry[] = [];
  return {
    entries,
    send: async (command: PutEventsCommand): Promise<PutEventsCommandOutput> => {
      const put = command.input.Entries ?? [];
      entries.push(...put);
      return { $metadata: {}, FailedEntryCount: 0, Entries: put.map(() => ({ EventId: randomUUID() })) };
    },
  };
};

describe('the audit of a forged cancellation', () => {
  it('finds the saga inconsistent and says a confirmed order was cancelled', async () => {
    const orderId = randomUUID();
    const put = (TableName: string, Item: Record<string, unknown>) =>
      documentClient.send(new PutCommand({ TableName, Item }));
    // What the forged OrderCancelled left: the order still CONFIRMED, its charge refunded, its stock released.
    await put(tables.orders, { orderId, status: 'CONFIRMED', version: 3 });
    await put(tables.payments, { orderId, status: 'REFUNDED', amountCents: 1999, currency: 'EUR' });
    await put(tables.inventory, { pk: `RESERVATION#${orderId}`, status: 'RELEASED', items: [] });
    const bus = recordingBus();

    await runStateMachine({
      definition: substitute(auditDefinition(), {
        [AuditSubstitution.ordersTable]: tables.orders,
        [AuditSubstitution.paymentsTable]: tables.payments,
        [AuditSubstitution.inventoryTable]: tables.inventory,
        [AuditSubstitution.auditTable]: tables.audit,
        [AuditSubstitution.eventBusName]: 'test-bus',
      }) as Record<string, unknown>,
      input: { orderId, outcome: SagaOutcome.enum.CANCELLED },
      dynamoDb: client as ItemClient,
      eventBridge: bus,
      waitScale: 0.001,
      now: () => new Date('2025-06-01T12:00:00.000Z'),
    });

    expect(bus.entries).toHaveLength(1);
    const verdict = SagaAudited.detail.parse(JSON.parse(bus.entries[0]?.Detail as string));
    expect(verdict).toMatchObject({
      orderId,
      outcome: 'CANCELLED',
      consistent: false,
      findings: ['CONFIRMED_ORDER_CANCELLED'],
    });
  });
});
