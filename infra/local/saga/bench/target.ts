/**
 * What a bench run drives: a runtime it starts itself (counting DynamoDB calls, schedules at AWS's own
 * rate), or a running `saga serve` reached through its endpoint. Either way the bench sees the bus's event
 * log as it grows, the runtime's counters, and the stack's template.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { seedStock } from '../../../../services/inventory/adapters/inventory-repository.js';
import type { LocalCredentials } from '../../emulator/access/credentials.js';
import type { LocalApp } from '../../emulator/cloud-assembly/model.js';
import { LOCAL_AWS } from '../../emulator/dynamodb/dynamodb-local.js';
import type { LoggedEvent } from '../../emulator/runtime.js';
import type { RuntimeStats } from '../../emulator/stats.js';
import { bootRuntime, ensureTemplate, loadApp, tableNames } from '../boot.js';
import { localCall } from '../local-call.js';
import { storefrontCredentials } from '../storefront-principal.js';
import { dynamoDbLocalPid } from './cpu.js';

/** A runtime under measurement. */
export type BenchTarget = {
  app: LocalApp;
  eventBridge: string;
  dynamoDb: string;
  /** Whether `stats().dynamoDbCalls` counts the DynamoDB calls. */
  countsDynamoDbCalls: boolean;
  /** DynamoDB Local's process, when it can be found on this machine. */
  javaPid?: number;
  /** The table names the stack's outputs give. */
  inventoryTable: string;
  /** The storefront role's local credentials, which the orders are put with. */
  credentials: LocalCredentials;
  stats(): Promise<RuntimeStats>;
  /**
   * Calls `onEvent` for each event accepted from now on, in order, until the returned function is called;
   * `onError` if the log can no longer be read.
   */
  follow(onEvent: (event: LoggedEvent) => void, onError: (error: unknown) => void): () => void;
  idle(timeoutMs: number): Promise<void>;
  seed(stock: Record<string, number>): Promise<void>;
  stop(): Promise<void>;
};

const seeder = (endpoint: string, table: string) => (stock: Record<string, number>) =>
  seedStock(DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_AWS, endpoint })), table, stock);

/**
 * Starts the runtime in this process: its DynamoDB calls counted, its schedules at AWS's rate (one sweep a
 * minute), its calls authorized with the template's IAM unless `iam` is false.
 */
export const startLocalTarget = async (
  log: (line: string) => void,
  { iam }: { iam: boolean },
): Promise<BenchTarget> => {
  await ensureTemplate(log);
  const runtime = await bootRuntime({ countDynamoDbCalls: true, scheduleScale: 1, iam });
  const inventoryTable = tableNames(runtime).inventory;
  return {
    app: runtime.app,
    eventBridge: runtime.endpoints.eventBridge,
    dynamoDb: runtime.endpoints.dynamoDb,
    countsDynamoDbCalls: true,
    javaPid: dynamoDbLocalPid(Number(new URL(runtime.endpoints.dynamoDb).port)),
    inventoryTable,
    credentials: storefrontCredentials(runtime.app),
    stats: async () => runtime.stats(),
    follow: (onEvent) => {
      let cursor = runtime.events.length;
      let stopped = false;
      // The predicate runs as each batch of events is logged: it hands the new ones on and never holds.
      void runtime
        .waitFor(
          (events) => {
            for (; cursor < events.length; cursor++) onEvent(events[cursor] as LoggedEvent);
            return stopped;
          },
          { timeoutMs: 2 ** 31 - 1 },
        )
        .catch(() => {});
      return () => {
        stopped = true;
      };
    },
    idle: (timeoutMs) => runtime.idle({ timeoutMs }),
    seed: seeder(runtime.endpoints.dynamoDb, inventoryTable),
    stop: () => runtime.stop(),
  };
};

/** How often a remote runtime's event log is read: the resolution of the latencies measured through it. */
const POLL_MS = 10;

/**
 * A running `saga serve` at `endpoint`; its DynamoDB Local is `AWS_ENDPOINT_URL_DYNAMODB` or port 8000
 * (serve's default). It does not count DynamoDB calls.
 */
export const remoteTarget = async (endpoint: string): Promise<BenchTarget> => {
  const app = loadApp();
  const dynamoDb = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? 'http://127.0.0.1:8000';
  const inventoryTable = app.outputs.InventoryTableName;
  if (!inventoryTable) throw new Error('The stack has no output InventoryTableName; synthesize it again');
  const { events: existing } = (await localCall(endpoint, 'Events', { from: 0 })) as {
    events: LoggedEvent[];
  };
  return {
    app,
    eventBridge: endpoint,
    dynamoDb,
    countsDynamoDbCalls: false,
    javaPid: dynamoDbLocalPid(Number(new URL(dynamoDb).port)),
    inventoryTable,
    credentials: storefrontCredentials(app),
    stats: async () => (await localCall(endpoint, 'Stats')) as unknown as RuntimeStats,
    follow: (onEvent, onError) => {
      let cursor = existing.length;
      let following = true;
      const read = async () => {
        while (following) {
          const { events } = (await localCall(endpoint, 'Events', { from: cursor })) as {
            events: LoggedEvent[];
          };
          cursor += events.length;
          for (const event of events) onEvent(event);
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      };
      read().catch(onError);
      return () => {
        following = false;
      };
    },
    idle: async (timeoutMs) => {
      await localCall(endpoint, 'Idle', { timeoutMs });
    },
    seed: seeder(dynamoDb, inventoryTable),
    stop: async () => {},
  };
};
