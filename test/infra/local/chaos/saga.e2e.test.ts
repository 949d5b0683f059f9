import { randomUUID } from 'node:crypto';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFaultInjector,
  FAULT_PRESETS,
  type FaultInjector,
} from '../../../../infra/local/chaos/fault-plan.js';
import { seededRandom } from '../../../../infra/local/emulator/random.js';
import type { Runtime } from '../../../../infra/local/emulator/runtime.js';
import { localDocumentClient, seedScenarioStock, tableNames } from '../../../../infra/local/saga/boot.js';
import { readPayload } from '../../../../infra/local/saga/scenarios.js';
import { storefrontBus } from '../../../../infra/local/saga/storefront-principal.js';
import { timelineOf } from '../../../../infra/local/saga/timeline.js';
import { InventoryReserved, OrderPlaced, SagaAudited } from '../../../../shared/events/index.js';
import { busAs, functionPrincipal } from '../../../support/principals.js';
import { bootTestRuntime } from '../../../support/runtime.js';

/**
 * One saga on the synthesized template under every fault at once, from a fixed seed. Drops are left out:
 * a dropped event is recovered only by the order's deadline, which would cancel this saga, not confirm it.
 */
// An hour of AWS time: far longer than this file's sagas take, and than the stub below lives.
const DEADLINE_SECONDS = 3_600;
let runtime: Runtime;
let injector: FaultInjector;
let bus: EventBridgeClient;
let documents: ReturnType<typeof localDocumentClient>;

beforeAll(async () => {
  const random = seededRandom(20_250_101);
  injector = createFaultInjector({ plan: { ...FAULT_PRESETS.all, drop: 0 }, random });
  runtime = await bootTestRuntime({
    random,
    faults: injector.hooks,
    environment: { ORDER_DEADLINE_SECONDS: String(DEADLINE_SECONDS) },
    // The deadline sweep every 6 s instead of 0.6 s: its timeout faults hold a worker for the function's
    // (scaled) timeout, and on a busy machine sweeps fired faster than the two workers end them would keep
    // the runtime from ever being idle. This saga's deadline is never reached.
    scheduleScale: 0.1,
  });
  bus = storefrontBus(runtime);
  documents = localDocumentClient(runtime);
  await seedScenarioStock(runtime);
});

afterAll(async () => {
  bus?.destroy();
  documents?.destroy();
  await runtime?.stop();
});

const storedOrder = async (orderId: string) =>
  (
    await documents.send(
      new GetCommand({ TableName: tableNames(runtime).orders, Key: { orderId }, ConsistentRead: true }),
    )
  ).Item;

/**
 * Waits, with a bound, until nothing is in flight; then redrives whatever a DLQ holds (an event whose three
 * Lambda attempts all met a fault, as an operator and the chaos run would) and waits again, a bounded
 * number of rounds, since a redriven event can meet a fault again.
 */
const settled = async () => {
  for (let round = 0; round < 5; round++) {
    await runtime.idle({ timeoutMs: 60_000 });
    if (runtime.deadLetters().every((queue) => queue.messages.length === 0)) return;
    await runtime.redrive();
  }
};

describe('a saga under injected faults, on the synthesized template', () => {
  it('still ends CONFIRMED and audited consistent under all faults but drops', async () => {
    const entries = readPayload('scenario-7.json');
    const order = OrderPlaced.detail.parse(JSON.parse(entries[0]?.Detail ?? ''));
    const isAudit = (detailType: string, orderId: unknown) =>
      detailType === SagaAudited.detailType && orderId === order.orderId;

    const response = await bus.send(new PutEventsCommand({ Entries: entries }));
    expect(response.FailedEntryCount).toBe(0);
    await settled();
    // An order whose confirmation could not be published is published again by the deadline sweep's
    // next run, which `idle()` does not wait for: wait for the audit itself, with a bound.
    await runtime.waitFor(
      (events) => events.some((e) => isAudit(e.event['detail-type'], e.event.detail.orderId)),
      {
        timeoutMs: 60_000,
      },
    );

    const audit = runtime.events.findLast((e) => isAudit(e.event['detail-type'], e.event.detail.orderId))
      ?.event.detail;
    expect(audit, JSON.stringify(timelineOf(runtime.events, order.orderId), null, 1)).toMatchObject({
      outcome: 'CONFIRMED',
      consistent: true,
      findings: [],
    });
    expect(await storedOrder(order.orderId)).toMatchObject({ status: 'CONFIRMED' });
    expect(Object.values(injector.counts()).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
  });

  // Fails since the merge of this stop (no stub order is found); open in the closing note, to be fixed first.
  it("gives every function the runtime's extra environment: an order's deadline is the one it sets", async () => {
    // A fact about an order the service has not seen yet opens a stub, PENDING until its deadline.
    const orderId = randomUUID();
    const detail = { orderId, occurredAt: new Date().toISOString(), items: [{ sku: '123', quantity: 1 }] };
    const entry = {
      EventBusName: runtime.app.bus.name,
      Source: InventoryReserved.source,
      DetailType: InventoryReserved.detailType,
      Detail: JSON.stringify(InventoryReserved.detail.parse(detail)),
    };
    // Put as inventory's role, the one that may put its facts; the put itself meets the injected PutEvents
    // faults: retried as the services' publisher does, bounded.
    const inventory = busAs(
      runtime.endpoints.eventBridge,
      runtime.app.region,
      functionPrincipal(runtime.app, 'InventoryOnPaymentProcessed').credentials,
    );
    // A call that fails as a whole (InternalException) is retried like one whose entry failed.
    const put = () =>
      inventory.send(new PutEventsCommand({ Entries: [entry] })).then(
        (response) => response.FailedEntryCount ?? 0,
        () => 1,
      );
    let failed = 1;
    for (let attempt = 0; attempt < 10 && failed > 0; attempt++) failed = await put();
    inventory.destroy();
    expect(failed).toBe(0);
    await settled();

    const stub = await storedOrder(orderId);
    expect(stub).toMatchObject({ status: 'PENDING' });
    // The deadline counts from when the bus accepted the fact, on the runtime's clock.
    const accepted = runtime.events.find(({ event }) => event.detail.orderId === orderId)?.event.time;
    expect(Date.parse(stub?.deadlineAt) - Date.parse(accepted ?? '')).toBe(DEADLINE_SECONDS * 1000);
    expect(runtime.baseEnv.AWS_ENDPOINT_URL_DYNAMODB).not.toBe(runtime.endpoints.dynamoDb);
  });
});
