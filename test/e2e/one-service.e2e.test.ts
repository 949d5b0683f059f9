import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/emulator/runtime.js';
import { readPayload } from '../../infra/local/saga/scenarios.js';
import { StackNames } from '../../infra/project.js';
import { OrderPlaced, PaymentProcessed } from '../../shared/events/index.js';
import { bootTestRuntime } from '../support/runtime.js';

/**
 * One service alone on the bus, as `saga serve --stacks OrderSaga-Bus,OrderSaga-Payment` runs it: the
 * payment stack deploys on its own, and the local runtime runs it with nothing but the bus stack.
 */
let runtime: Runtime;
let bus: EventBridgeClient;

beforeAll(async () => {
  runtime = await bootTestRuntime({ stacks: [StackNames.bus, StackNames.payment] });
  // No storefront runs: an operator puts the test order as the account itself.
  bus = new EventBridgeClient({
    region: runtime.app.region,
    credentials: runtime.principals.account.credentials,
    endpoint: runtime.endpoints.eventBridge,
  });
});

afterAll(async () => {
  bus?.destroy();
  await runtime?.stop();
});

describe('the payment service alone on the bus', () => {
  it('runs the bus and payment stacks only: no order, inventory or audit', () => {
    expect(runtime.app.stacks).toStrictEqual([StackNames.bus, StackNames.payment]);
    expect(runtime.app.functions.every((fn) => fn.logicalId.startsWith('Payment'))).toBe(true);
    expect(runtime.app.stateMachines).toStrictEqual([]);
  });

  it(`charges a placed order and publishes ${PaymentProcessed.detailType}`, async () => {
    const entries = readPayload('success.json');
    const { orderId } = OrderPlaced.detail.parse(JSON.parse(entries[0]?.Detail ?? ''));

    const response = await bus.send(new PutEventsCommand({ Entries: entries }));

    expect(response.FailedEntryCount).toBe(0);
    const log = await runtime.waitFor((events) =>
      events.some(
        (e) => e.event['detail-type'] === PaymentProcessed.detailType && e.event.detail.orderId === orderId,
      ),
    );
    const processed = log.find((e) => e.event['detail-type'] === PaymentProcessed.detailType);
    expect(processed?.event.source).toBe(PaymentProcessed.source);
  });
});
