import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  DescribeReplayCommand,
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanAll } from '../../infra/local/chaos/invariants.js';
import type { LoggedEvent, Runtime } from '../../infra/local/emulator/runtime.js';
import { localDocumentClient, seedScenarioStock, tableNames } from '../../infra/local/saga/boot.js';
import { storefrontBus } from '../../infra/local/saga/storefront-principal.js';
import { SagaAudited } from '../../shared/events/index.js';
import { bootTestRuntime } from '../support/runtime.js';

/**
 * A replay of a window of the local archive: the archived events go to the bus's rules again, every handler
 * finds them already applied, and the sagas are audited again.
 */
const PAYLOADS = ['success.json', 'out-of-stock.json'].map((file) =>
  fileURLToPath(new URL(`../payloads/${file}`, import.meta.url)),
);
let runtime: Runtime;
let bus: EventBridgeClient;
let documents: ReturnType<typeof localDocumentClient>;

beforeAll(async () => {
  runtime = await bootTestRuntime();
  bus = storefrontBus(runtime);
  documents = localDocumentClient(runtime);
  await seedScenarioStock(runtime);
});

afterAll(async () => {
  bus?.destroy();
  documents?.destroy();
  await runtime?.stop();
});

const auditsOf = (events: readonly LoggedEvent[], orderId: string) =>
  events.filter(
    (e) => e.event['detail-type'] === SagaAudited.detailType && e.event.detail.orderId === orderId,
  );

/** What the money and the stock are: every item of the tables that hold them. */
const balances = async () => {
  const tables = tableNames(runtime);
  const sorted = async (table: string) =>
    (await scanAll(documents, table)).map((item) => JSON.stringify(item)).sort();
  return {
    orders: await sorted(tables.orders),
    payments: await sorted(tables.payments),
    gateway: await sorted(tables.paymentGateway),
    inventory: await sorted(tables.inventory),
  };
};

describe('replaying a window of the archive', () => {
  it('re-delivers the window to the rules, changes no balance, and the sagas audit consistent again', async () => {
    const orderIds: string[] = [];
    for (const file of PAYLOADS) {
      const entries = JSON.parse(readFileSync(file, 'utf8')) as PutEventsRequestEntry[];
      orderIds.push(JSON.parse(entries[0]?.Detail ?? '{}').orderId);
      await bus.send(new PutEventsCommand({ Entries: entries }));
    }
    await runtime.waitFor((events) => orderIds.every((id) => auditsOf(events, id).length > 0), {
      timeoutMs: 60_000,
    });
    await runtime.idle({ timeoutMs: 60_000 });
    const before = await balances();
    const logged = runtime.events.length;
    const times = runtime.events.map((e) => Date.parse(e.event.time));
    const from = new Date(Math.min(...times));
    const to = new Date(Math.max(...times) + 1000);

    const archive = runtime.app.archives[0];
    if (!archive) throw new Error('The stack has no archive');
    await bus.send(
      new StartReplayCommand({
        ReplayName: 'replay-test',
        EventSourceArn: archive.arn,
        EventStartTime: from,
        EventEndTime: to,
        Destination: { Arn: archive.sourceArn },
      }),
    );
    await runtime.idle({ timeoutMs: 60_000 });
    const described = await bus.send(new DescribeReplayCommand({ ReplayName: 'replay-test' }));
    expect(described.State).toBe('COMPLETED');
    expect(runtime.replays()[0]?.replayed).toBe(logged);

    expect(await balances()).toEqual(before);
    for (const orderId of orderIds) {
      const audits = auditsOf(runtime.events, orderId);
      const again = audits.filter((audit) => runtime.events.indexOf(audit) >= logged);
      expect(again.length).toBeGreaterThan(0);
      expect(again.every((audit) => audit.event.detail.consistent === true)).toBe(true);
    }
  });
});
