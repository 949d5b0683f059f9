import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadAssembly } from '../../../../../infra/local/emulator/cloud-assembly/template.js';
import type { LoggedEvent, Runtime } from '../../../../../infra/local/emulator/runtime.js';
import { CDK_OUT } from '../../../../../infra/local/saga/boot.js';
import { type Console, startConsole } from '../../../../../infra/local/saga/console/server.js';
import {
  OrderCancelled,
  OrderPlaced,
  PaymentProcessed,
  PaymentRefunded,
} from '../../../../../shared/events/index.js';
import { createTables, localDynamo } from '../../../../support/aws.js';

/**
 * One saga's view through the console's API, over the synthesized template (who consumes each event, hence
 * the diagram's arrows) and DynamoDB Local (the items now), without starting the runtime.
 */
const ORDER_ID = 'ord-console-view-0001';
const { client, documentClient } = localDynamo();
let web: Console;

const logged = (at: number, fact: { detailType: string; source: string }, detail: object): LoggedEvent => ({
  at,
  bus: 'order-saga',
  event: {
    version: '0',
    id: `e-${at}`,
    'detail-type': fact.detailType,
    source: fact.source,
    account: '000000000000',
    time: '2026-11-30T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { orderId: ORDER_ID, ...detail },
  },
});

beforeAll(async () => {
  const tables = await createTables(client, ['orders', 'payments', 'inventory']);
  const app = loadAssembly({ cdkOutDir: CDK_OUT });
  const runtime = {
    app: {
      ...app,
      outputs: {
        ...app.outputs,
        OrdersTableName: tables.orders,
        PaymentsTableName: tables.payments,
        InventoryTableName: tables.inventory,
      },
    },
    endpoints: { dynamoDb: inject('dynamoDbEndpoint'), eventBridge: 'http://127.0.0.1:1', apis: {} },
    events: [
      logged(0, OrderPlaced, { amountCents: 1250, currency: 'USD' }),
      logged(10, PaymentProcessed, {}),
      logged(20, OrderCancelled, { reason: 'OUT_OF_STOCK', cause: 'OUT_OF_STOCK' }),
      logged(30, PaymentRefunded, {}),
    ],
  } as unknown as Runtime;
  await documentClient.send(
    new PutCommand({ TableName: tables.orders, Item: { orderId: ORDER_ID, status: 'CANCELLED' } }),
  );
  await documentClient.send(
    new PutCommand({ TableName: tables.payments, Item: { orderId: ORDER_ID, status: 'REFUNDED' } }),
  );
  web = await startConsole(runtime, 0);
});

afterAll(async () => {
  await web?.stop();
  client.destroy();
});

describe('one saga through the console API', () => {
  it('draws each event to the services whose rules consume it, the compensation marked, and reads the items now', async () => {
    const response = await fetch(new URL(`/api/sagas/${ORDER_ID}`, web.url));
    const view = (await response.json()) as { mermaid: string; items: Record<string, unknown>; saga: object };

    expect(view.saga).toMatchObject({ status: 'CANCELLED', reason: 'OUT_OF_STOCK', amountCents: 1250 });
    expect(view.mermaid).toContain('Order->>Payment: OrderCancelled');
    expect(view.mermaid).toContain('Order->>Inventory: OrderCancelled');
    expect(view.mermaid).toMatch(/Payment->>Audit: PaymentRefunded: .*\(compensation\)/);
    expect(view.items).toEqual({
      order: { orderId: ORDER_ID, status: 'CANCELLED' },
      payment: { orderId: ORDER_ID, status: 'REFUNDED' },
      reservation: null,
    });
  });
});
