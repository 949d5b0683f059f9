import { randomUUID } from 'node:crypto';
import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import type {
  PutEventsCommand,
  PutEventsCommandOutput,
  PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIT_MAX_WAITS,
  auditDefinition,
  substitute,
} from '../../../../../infra/constructs/audit-definition.js';
import {
  type ExecutionClock,
  type ItemClient,
  runStateMachine,
} from '../../../../../infra/local/emulator/stepfunctions/state-machine.js';
import { SagaAudited } from '../../../../../shared/events/index.js';
import { createTables, localDynamo } from '../../../../support/aws.js';

const BUS = 'test-bus';
const NOW = '2025-06-01T12:00:00.000Z';

const { client, documentClient } = localDynamo();
let tables: Record<'orders' | 'payments' | 'inventory' | 'audit', string>;

beforeAll(async () => {
  tables = await createTables(client, ['orders', 'payments', 'inventory', 'audit']);
});

/** An EventBridge client that records what it is asked to put, and accepts it (or refuses every entry). */
const recordingBus = ({ refuse = false } = {}) => {
  const entries: PutEventsRequestEntry[] = [];
  return {
    entries,
    send: async (command: PutEventsCommand): Promise<PutEventsCommandOutput> => {
      const put = command.input.Entries ?? [];
      entries.push(...put);
      return {
        $metadata: {},
        FailedEntryCount: refuse ? put.length : 0,
        Entries: put.map(() =>
          refuse ? { ErrorCode: 'InternalFailure', ErrorMessage: 'refused' } : { EventId: randomUUID() },
        ),
      };
    },
  };
};

type EndState = { order?: string; payment?: string; reservation?: string };

/** Stores the end state of a saga as the three services would have left it; absent items are not written. */
const seed = async (orderId: string, { order, payment, reservation }: EndState) => {
  const put = (TableName: string, Item: Record<string, unknown>) =>
    documentClient.send(new PutCommand({ TableName, Item }));
  if (order) await put(tables.orders, { orderId, status: order, version: 1 });
  if (payment) await put(tables.payments, { orderId, status: payment, amountCents: 1999, currency: 'EUR' });
  if (reservation)
    await put(tables.inventory, { pk: `RESERVATION#${orderId}`, status: reservation, items: [] });
};

const audit = (
  input: { orderId: string; outcome: string },
  {
    bus = recordingBus(),
    dynamoDb = client as ItemClient,
    clock = undefined as ExecutionClock | undefined,
  } = {},
) =>
  runStateMachine({
    ...(clock && { clock }),
    definition: substitute(auditDefinition(), {
      OrdersTable: tables.orders,
      PaymentsTable: tables.payments,
      InventoryTable: tables.inventory,
      AuditTable: tables.audit,
      EventBusName: BUS,
    }) as Record<string, unknown>,
    input,
    dynamoDb,
    eventBridge: bus,
    waitScale: 0.001,
    now: () => new Date(NOW),
  });

const publishedVerdict = (bus: ReturnType<typeof recordingBus>) => {
  expect(bus.entries).toHaveLength(1);
  const [entry] = bus.entries as [PutEventsRequestEntry];
  expect(entry).toMatchObject({
    EventBusName: BUS,
    Source: SagaAudited.source,
    DetailType: SagaAudited.detailType,
  });
  return SagaAudited.detail.parse(JSON.parse(entry.Detail as string));
};

const recordedVerdict = async (orderId: string) =>
  (await documentClient.send(new GetCommand({ TableName: tables.audit, Key: { orderId } }))).Item;

describe('the audit workflow, run locally', () => {
  it('finds a confirmed saga consistent when the order is confirmed, the payment charged and the stock reserved', async () => {
    const orderId = randomUUID();
    await seed(orderId, { order: 'CONFIRMED', payment: 'CHARGED', reservation: 'RESERVED' });
    const bus = recordingBus();

    const output = await audit({ orderId, outcome: 'CONFIRMED' }, { bus });

    const verdict = { orderId, occurredAt: NOW, outcome: 'CONFIRMED', consistent: true, findings: [] };
    expect(publishedVerdict(bus)).toStrictEqual(verdict);
    expect(output).toMatchObject({ orderId, consistent: true, findings: [], waits: 0 });
    expect(await recordedVerdict(orderId)).toStrictEqual({
      orderId,
      outcome: 'CONFIRMED',
      consistent: true,
      findings: '[]',
      waits: 0,
      auditedAt: NOW,
    });
  });

  it('finds a cancelled saga consistent once the charge is refunded and the stock released', async () => {
    const orderId = randomUUID();
    await seed(orderId, { order: 'CANCELLED', payment: 'REFUNDED', reservation: 'RELEASED' });
    const bus = recordingBus();

    const output = await audit({ orderId, outcome: 'CANCELLED' }, { bus });

    expect(publishedVerdict(bus)).toMatchObject({ outcome: 'CANCELLED', consistent: true, findings: [] });
    expect(output).toMatchObject({ waits: 0 });
  });

  it('finds a cancelled saga whose refund is missing inconsistent, after waiting a bounded number of times', async () => {
    const orderId = randomUUID();
    await seed(orderId, { order: 'CANCELLED', payment: 'CHARGED', reservation: 'RELEASED' });
    const bus = recordingBus();

    const output = await audit({ orderId, outcome: 'CANCELLED' }, { bus });

    expect(publishedVerdict(bus)).toStrictEqual({
      orderId,
      occurredAt: NOW,
      outcome: 'CANCELLED',
      consistent: false,
      findings: ['PAYMENT_NOT_REFUNDED'],
    });
    expect(output).toMatchObject({ waits: AUDIT_MAX_WAITS });
    expect(await recordedVerdict(orderId)).toMatchObject({
      consistent: false,
      findings: '["PAYMENT_NOT_REFUNDED"]',
    });
  });

  it('waits for a compensation still under way, then finds the saga consistent', async () => {
    const orderId = randomUUID();
    await seed(orderId, { order: 'CANCELLED', payment: 'CHARGED', reservation: 'CANCELLED' });
    let paymentReads = 0;
    // The refund commits right after the audit's first read of the payment.
    const dynamoDb: ItemClient = {
      send: (async (command: unknown) => {
        const response = await client.send(command as never);
        if (
          command instanceof BatchGetItemCommand &&
          command.input.RequestItems?.[tables.payments] !== undefined &&
          ++paymentReads === 1
        ) {
          await seed(orderId, { payment: 'REFUNDED' });
        }
        return response;
      }) as ItemClient['send'],
    };
    const bus = recordingBus();

    const output = await audit({ orderId, outcome: 'CANCELLED' }, { bus, dynamoDb });

    expect(publishedVerdict(bus)).toMatchObject({ consistent: true, findings: [] });
    expect(output).toMatchObject({ waits: 1 });
  });

  it('names every finding of a confirmed order whose payment and reservation left no trace', async () => {
    const orderId = randomUUID();
    await seed(orderId, { order: 'CONFIRMED' });
    const bus = recordingBus();

    await audit({ orderId, outcome: 'CONFIRMED' }, { bus });

    expect(publishedVerdict(bus)).toMatchObject({
      consistent: false,
      findings: ['PAYMENT_NOT_CHARGED', 'RESERVATION_MISSING'],
    });
  });

  it('refuses to audit an order that was never recorded: it records and publishes nothing', async () => {
    const orderId = randomUUID();
    const bus = recordingBus();

    await expect(audit({ orderId, outcome: 'CANCELLED' }, { bus })).rejects.toThrow(/Audit\.NoSuchOrder/);

    expect(bus.entries).toEqual([]);
    expect(await recordedVerdict(orderId)).toBeUndefined();
  });

  it('names a cancelled saga whose order is not cancelled and whose stock is still reserved', async () => {
    const orderId = randomUUID();
    await seed(orderId, { order: 'PENDING', payment: 'DECLINED', reservation: 'RESERVED' });
    const bus = recordingBus();

    await audit({ orderId, outcome: 'CANCELLED' }, { bus });

    expect(publishedVerdict(bus)).toMatchObject({
      consistent: false,
      findings: ['ORDER_STATUS_MISMATCH', 'RESERVATION_NOT_RELEASED'],
    });
  });

  it("pauses on the execution's clock: each Wait, and each retry's interval, is a sleep of AWS time there", async () => {
    const orderId = randomUUID();
    await seed(orderId, { order: 'CONFIRMED', payment: 'CHARGED', reservation: 'RESERVED' });
    const slept: number[] = [];
    const clock: ExecutionClock = {
      sleep: async (ms) => {
        slept.push(ms);
      },
      after: () => () => {},
      now: () => new Date(NOW),
    };

    await expect(
      audit({ orderId, outcome: 'CONFIRMED' }, { bus: recordingBus({ refuse: true }), clock }),
    ).rejects.toThrow(/EventBridge\.FailedEntry/);
    // Six retries of the refused verdict, jittered under 1, 2, then 4 s.
    expect(slept).toHaveLength(6);
    for (const [i, ms] of slept.entries()) expect(ms).toBeLessThanOrEqual(Math.min(4, 2 ** i) * 1000);

    slept.length = 0;
    const cancelled = randomUUID();
    await seed(cancelled, { order: 'CANCELLED', payment: 'CHARGED', reservation: 'RELEASED' });
    await audit({ orderId: cancelled, outcome: 'CANCELLED' }, { clock });
    expect(slept).toEqual(Array(AUDIT_MAX_WAITS).fill(10_000));
  });

  it('fails with States.Timeout once its clock reaches the TimeoutSeconds of the definition', async () => {
    const orderId = randomUUID();
    await seed(orderId, { order: 'CANCELLED', payment: 'CHARGED', reservation: 'RELEASED' });
    const limits: number[] = [];
    // Its waits never end; its time limit is reached at once.
    const clock: ExecutionClock = {
      sleep: () => new Promise(() => {}),
      after: (ms, fn) => {
        limits.push(ms);
        setImmediate(fn);
        return () => {};
      },
      now: () => new Date(NOW),
    };

    await expect(audit({ orderId, outcome: 'CANCELLED' }, { clock })).rejects.toMatchObject({
      error: 'States.Timeout',
    });
    expect(limits).toEqual([300_000]);
  });

  it('fails the execution when the bus does not accept the verdict', async () => {
    const orderId = randomUUID();
    await seed(orderId, { order: 'CONFIRMED', payment: 'CHARGED', reservation: 'RESERVED' });
    const bus = recordingBus({ refuse: true });

    await expect(audit({ orderId, outcome: 'CONFIRMED' }, { bus })).rejects.toThrow(
      /EventBridge\.FailedEntry/,
    );
    // Tried once, then retried as the definition's Retry says.
    expect(bus.entries.length).toBe(7);
  });
});
