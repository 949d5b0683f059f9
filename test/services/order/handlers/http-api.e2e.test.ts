/**
 * The storefront API end to end: requests signed as the storefront signs them, sent over HTTP to the
 * runtime's local API Gateway, which invokes the synthesized handler; the saga then runs on the local bus.
 * A cancellation is placed at a chosen point of a saga by holding one delivery (the runtime's `hold` fault
 * hook) until the cancellation was answered; every saga is then checked against the chaos invariants.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants, readSnapshot, scanAll } from '../../../../infra/local/chaos/invariants.js';
import type { WorkloadOrder } from '../../../../infra/local/chaos/workload.js';
import type { DeliveryContext } from '../../../../infra/local/emulator/fault-hooks.js';
import type { Runtime } from '../../../../infra/local/emulator/runtime.js';
import { localDocumentClient, seedScenarioStock, tableNames } from '../../../../infra/local/saga/boot.js';
import { readPayload } from '../../../../infra/local/saga/scenarios.js';
import {
  type OrderRequest,
  type StorefrontClient,
  storefrontClient,
} from '../../../../infra/local/saga/storefront-client.js';
import { timelineOf } from '../../../../infra/local/saga/timeline.js';
import {
  InventoryReserved,
  OrderCancelled,
  OrderPlaced,
  PaymentProcessed,
  SagaAudited,
} from '../../../../shared/events/index.js';
import { bootTestRuntime } from '../../../support/runtime.js';

/** One delivery held back: released by the test; `reached` resolves with the event once it is held. */
type Hold = {
  matches: (context: DeliveryContext) => boolean;
  release: () => void;
  reached: Promise<DeliveryContext['event']>;
  arrive: (event: DeliveryContext['event']) => void;
  gate: Promise<void>;
};

let runtime: Runtime;
let api: StorefrontClient;
let documents: ReturnType<typeof localDocumentClient>;
let initialStock: Record<string, number>;
const holds: Hold[] = [];
/** Every order placed through the API by this file, checked together against the invariants. */
const placed: WorkloadOrder[] = [];

/**
 * Holds the next delivery to the rule whose logical id starts with `rulePrefix` (one consumer of one
 * event) until `release()`; the sagas of this file run one at a time, so the next one is the saga's.
 */
const holdNext = (rulePrefix: string): Hold => {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrive: Hold['arrive'] = () => {};
  const reached = new Promise<DeliveryContext['event']>((resolve) => {
    arrive = resolve;
  });
  const hold: Hold = {
    matches: ({ rule }) => rule.logicalId.startsWith(rulePrefix),
    release,
    reached,
    arrive,
    gate,
  };
  holds.push(hold);
  return hold;
};

beforeAll(async () => {
  runtime = await bootTestRuntime({
    faults: {
      onDelivery: (context) => {
        const index = holds.findIndex((hold) => hold.matches(context));
        if (index === -1) return undefined;
        const [hold] = holds.splice(index, 1) as [Hold];
        hold.arrive(context.event);
        return { hold: hold.gate };
      },
    },
  });
  api = storefrontClient({ url: runtime.endpoints.api ?? '', region: runtime.app.region });
  documents = localDocumentClient(runtime);
  initialStock = await seedScenarioStock(runtime);
});

afterAll(async () => {
  for (const hold of holds) hold.release();
  documents?.destroy();
  await runtime?.stop();
});

/** The scenario payload's order as the storefront sends it, for a customer of its own. */
const orderRequest = (overrides: Partial<OrderRequest> = {}): OrderRequest => {
  const [entry] = readPayload('success.json');
  const {
    orderId: _orderId,
    occurredAt: _occurredAt,
    ...order
  } = OrderPlaced.detail.parse(JSON.parse(entry?.Detail ?? ''));
  return { ...order, customerId: randomUUID(), ...overrides };
};

/** Places an order through the API; returns its id once the API accepted it (202). */
const place = async (order = orderRequest()) => {
  const answer = await api.place(order, randomUUID());
  expect(answer.status).toBe(202);
  const { orderId } = answer.body as { orderId: string };
  expect(answer.headers.get('location')).toBe(`/orders/${orderId}`);
  placed.push({ kind: 'pay', order: placedEventOf(orderId) });
  return orderId;
};

/** The OrderPlaced the API put on the bus for an order. */
const placedEventOf = (orderId: string): OrderPlaced => {
  const logged = runtime.events.find(
    ({ event }) => event['detail-type'] === OrderPlaced.detailType && event.detail.orderId === orderId,
  );
  return OrderPlaced.detail.parse(logged?.event.detail);
};

/** Follows the order with GET until `done` holds of its view. */
const follow = async (orderId: string, done: (view: Record<string, unknown>) => boolean) => {
  let view: Record<string, unknown> | undefined;
  await expect
    .poll(
      async () => {
        const answer = await api.get(orderId);
        view = answer.status === 200 ? (answer.body as Record<string, unknown>) : undefined;
        return view !== undefined && done(view);
      },
      { timeout: 20_000, interval: 50 },
    )
    .toBe(true);
  return view as Record<string, unknown>;
};

/** Waits until nothing is in flight; then every saga placed so far keeps every invariant, audit included. */
const expectConsistent = async (orderId: string, outcome: 'CONFIRMED' | 'CANCELLED') => {
  await runtime.idle({ timeoutMs: 30_000 });
  const snapshot = await readSnapshot(runtime, documents, { orders: placed, stock: initialStock });
  const timeline = JSON.stringify(timelineOf(runtime.events, orderId), null, 1);
  expect(checkInvariants(snapshot), timeline).toEqual([]);
  expect(snapshot.sagas.find((saga) => saga.orderId === orderId)?.audits.at(-1), timeline).toMatchObject({
    outcome,
    consistent: true,
  });
  return snapshot.sagas.find((saga) => saga.orderId === orderId);
};

/** Waits until the item of `key` in one of the stack's tables has `status` (a service recorded a fact). */
const untilStored = async (
  table: keyof ReturnType<typeof tableNames>,
  key: Record<string, string>,
  status: string,
) =>
  expect
    .poll(
      async () =>
        (
          await documents.send(
            new GetCommand({ TableName: tableNames(runtime)[table], Key: key, ConsistentRead: true }),
          )
        ).Item?.status,
      { timeout: 20_000, interval: 50 },
    )
    .toBe(status);

/** Every item of every table of the runtime, by table. */
/** Every item of every table of this runtime's stack (DynamoDB Local may hold other test files' tables too). */
const everyTable = async () => {
  const names = runtime.app.tables.map((table) => table.tableName);
  return Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, await scanAll(documents, name)])),
  );
};

describe('the storefront API over HTTP, on the runtime', () => {
  it('places an order (202, Location) that the customer follows with GET until it is CONFIRMED', async () => {
    const orderId = await place();

    const view = await follow(orderId, (v) => v.status === 'CONFIRMED');

    expect(view).toMatchObject({ orderId, status: 'CONFIRMED', cancellable: false, amountCents: 7499 });
    await expectConsistent(orderId, 'CONFIRMED');
  });

  it('cancels an order before payment: nothing is charged, nothing reserved', async () => {
    const charge = holdNext('PaymentOnOrderPlaced');
    const orderId = await place();
    await follow(orderId, (v) => v.status === 'PENDING');
    expect((await charge.reached).detail.orderId).toBe(orderId);

    const answer = await api.cancel(orderId);
    // The charge goes on once payment has learned of the cancellation (its tombstone).
    await untilStored('payments', { orderId }, 'TOMBSTONED');
    charge.release();

    expect(answer).toMatchObject({ status: 200, body: { status: 'CANCELLED', reason: 'CUSTOMER_REQUEST' } });
    const saga = await expectConsistent(orderId, 'CANCELLED');
    expect(saga).toMatchObject({ payment: { status: 'TOMBSTONED' }, reservation: { status: 'CANCELLED' } });
    expect(saga?.ledger?.chargesCreated ?? 0).toBe(0);
  });

  it('cancels an order after payment, before reservation: the charge is refunded, nothing reserved', async () => {
    const reservation = holdNext('InventoryOnPaymentProcessed');
    const orderId = await place();
    const held = await reservation.reached;
    expect(held).toMatchObject({ 'detail-type': PaymentProcessed.detailType, detail: { orderId } });

    const answer = await api.cancel(orderId);
    // The reservation goes on once inventory has learned of the cancellation (its tombstone).
    await untilStored('inventory', { pk: `RESERVATION#${orderId}` }, 'CANCELLED');
    reservation.release();

    expect(answer).toMatchObject({ status: 200, body: { status: 'CANCELLED', reason: 'CUSTOMER_REQUEST' } });
    const saga = await expectConsistent(orderId, 'CANCELLED');
    expect(saga).toMatchObject({
      payment: { status: 'REFUNDED' },
      ledger: { chargesCreated: 1, refundsCreated: 1 },
      reservation: { status: 'CANCELLED' },
    });
  });

  it('cancels an order after its reservation, before the order hears of it: refunded and released', async () => {
    const confirmation = holdNext('OrderOnInventoryReserved');
    const orderId = await place();
    const held = await confirmation.reached;
    expect(held).toMatchObject({ 'detail-type': InventoryReserved.detailType, detail: { orderId } });

    const answer = await api.cancel(orderId);
    confirmation.release();

    expect(answer).toMatchObject({ status: 200, body: { status: 'CANCELLED', reason: 'CUSTOMER_REQUEST' } });
    const saga = await expectConsistent(orderId, 'CANCELLED');
    expect(saga).toMatchObject({
      payment: { status: 'REFUNDED' },
      ledger: { chargesCreated: 1, refundsCreated: 1 },
      reservation: { status: 'RELEASED' },
    });
  });

  it('refuses to cancel a confirmed order with 409, and the saga stays confirmed', async () => {
    const orderId = await place();
    await follow(orderId, (v) => v.status === 'CONFIRMED');
    await runtime.idle({ timeoutMs: 30_000 });
    const eventsBefore = runtime.events.length;

    const answer = await api.cancel(orderId);

    expect(answer).toMatchObject({ status: 409, body: { status: 409 } });
    expect(runtime.events.slice(eventsBefore).map(({ event }) => event['detail-type'])).not.toContain(
      OrderCancelled.detailType,
    );
    await expectConsistent(orderId, 'CONFIRMED');
  });

  it('answers a retried cancellation with the same cancelled order', async () => {
    const charge = holdNext('PaymentOnOrderPlaced');
    const orderId = await place();
    await follow(orderId, (v) => v.status === 'PENDING');
    const first = await api.cancel(orderId);
    charge.release();

    const again = await api.cancel(orderId);

    expect(again).toMatchObject({ status: 200 });
    expect(again.body).toEqual(first.body);
    await expectConsistent(orderId, 'CANCELLED');
  });

  it('places one order for one Idempotency-Key and body, and refuses the key with another body (422)', async () => {
    const key = randomUUID();
    const order = orderRequest();

    const first = await api.place(order, key);
    const replay = await api.place(order, key);
    const eventsBefore = runtime.events.length;
    const other = await api.place({ ...order, currency: 'EUR' }, key);

    expect(first.status).toBe(202);
    expect(replay).toMatchObject({ status: 202, body: first.body });
    expect(other.status).toBe(422);
    expect(runtime.events.slice(eventsBefore).map(({ event }) => event['detail-type'])).not.toContain(
      OrderPlaced.detailType,
    );
    const { orderId } = first.body as { orderId: string };
    placed.push({ kind: 'pay', order: placedEventOf(orderId) });
    await follow(orderId, (v) => v.status === 'CONFIRMED');
    const placedEvents = runtime.events.filter(
      ({ event }) => event['detail-type'] === OrderPlaced.detailType && event.detail.orderId === orderId,
    );
    expect(placedEvents).toHaveLength(1);
    await expectConsistent(orderId, 'CONFIRMED');
  });

  it('answers 400 to every invalid request, putting nothing on the bus and changing no table', async () => {
    await runtime.idle({ timeoutMs: 30_000 });
    const eventsBefore = runtime.events.length;
    const tablesBefore = await everyTable();

    const noKey = await api.request('POST', '/orders', { body: orderRequest() });
    const notJson = await api.place('{"customerId":', randomUUID());
    const invalid = await api.place(
      { ...orderRequest(), currency: 'usd', amountCents: -1, items: [{ sku: '', quantity: 0 }] },
      randomUUID(),
    );

    for (const answer of [noKey, notJson, invalid]) {
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const pointers = ((invalid.body as { errors: { pointer?: string }[] }).errors ?? []).map(
      (e) => e.pointer,
    );
    expect(pointers).toEqual(expect.arrayContaining(['#/currency', '#/amountCents']));
    await runtime.idle({ timeoutMs: 30_000 });
    expect(runtime.events.length).toBe(eventsBefore);
    expect(await everyTable()).toEqual(tablesBefore);
  });

  it('audited every saga it placed, and only those', () => {
    const audited = runtime.events.filter(({ event }) => event['detail-type'] === SagaAudited.detailType);

    expect(new Set(audited.map(({ event }) => event.detail.orderId))).toEqual(
      new Set(placed.map(({ order }) => order.orderId)),
    );
  });
});
