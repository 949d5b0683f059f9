/**
 * The processes behind the emulator's endpoints: the local bus (the EventBridge API) and DynamoDB Local
 * with every table of the template, the SDK clients the emulator itself uses, and, when a fault hook asks
 * for DynamoDB faults, the fault proxy that the functions reach DynamoDB Local through.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LocalApp } from './cloud-assembly/model.js';
import { countDynamoDbAnswer } from './dynamodb/call-counts.js';
import { LOCAL_AWS, startDynamoDbLocal } from './dynamodb/dynamodb-local.js';
import { startDynamoDbFaultProxy } from './dynamodb/fault-proxy.js';
import { createTable } from './dynamodb/tables.js';
import type { EventEnvelope } from './eventbridge/put-events.js';
import { type EventBridgeServer, startEventBridgeServer } from './eventbridge/server.js';
import type { FaultHooks } from './fault-hooks.js';
import type { RuntimeStats } from './stats.js';

/** What the backends need. */
export type BackendOptions = {
  app: LocalApp;
  eventBridgePort?: number | undefined;
  dynamoDbPort?: number | undefined;
  /** A DynamoDB Local already running, to create the tables in instead of starting one (its tables are deleted at stop). */
  dynamoDbEndpoint?: string | undefined;
  faults: FaultHooks;
  random: () => number;
  /** Receives the events the bus accepts for the stack's bus. */
  onEvents: (events: EventEnvelope[]) => void;
  /** The clock of an accepted event's `time` (AWS time). */
  now?: () => Date;
  /** The emulator's own operations, served by the bus as `X-Amz-Target: LocalRuntime.<name>`. */
  localOperations: Record<string, (body: unknown) => Promise<unknown>>;
  /** Counts every DynamoDB call of the functions and the state machines, by table and operation. */
  countDynamoDbCalls?: boolean | undefined;
  /** The counters the call counts go to. */
  stats: RuntimeStats;
  /** More EventBridge operations of the bus (its archives' and replays'). */
  busOperations?: Record<string, (input: Record<string, unknown>) => unknown>;
  /** Where each backend that started registers its stop, so a later failure stops it. */
  stops: (() => Promise<void>)[];
};

/** The running backends. */
export type Backends = {
  bus: EventBridgeServer;
  dynamoDbEndpoint: string;
  dynamoDb: DynamoDBClient;
  /** The client the state machines' integrations use: through the proxy when calls are counted. */
  machineDynamoDb: DynamoDBClient;
  eventBridge: EventBridgeClient;
  /** The environment every worker starts from (endpoints, region, dummy credentials). */
  baseEnv: Record<string, string>;
};

const startBus = (options: BackendOptions): Promise<EventBridgeServer> => {
  const { app, faults, random } = options;
  return startEventBridgeServer({
    port: options.eventBridgePort || 0,
    busName: app.bus.name,
    rules: app.rules.map((rule) => ({
      name: rule.name,
      eventBusName: rule.eventBusName,
      eventPattern: rule.eventPattern,
      state: rule.state,
      targets: rule.targets.map((target) => ({ id: target.id, arn: target.arn })),
    })),
    onEvents: options.onEvents,
    ...(faults.onPutEvents && {
      onPutEvents: (context) => faults.onPutEvents?.({ ...context, random }),
    }),
    account: app.account,
    region: app.region,
    ...(options.now && { now: options.now }),
    localOperations: options.localOperations,
    ...(options.busOperations && { moreOperations: options.busOperations }),
  });
};

/** DynamoDB Local: the one given, or one started now and stopped with the runtime. */
const dynamoDbLocal = async ({ dynamoDbEndpoint, dynamoDbPort, stops }: BackendOptions) => {
  if (dynamoDbEndpoint !== undefined) return { endpoint: dynamoDbEndpoint };
  const local = await startDynamoDbLocal({ port: dynamoDbPort || undefined });
  stops.push(() => local.stop());
  return local;
};

/** Starts the bus and DynamoDB Local together, so that whatever did start is stopped if the other fails. */
const startProcesses = async (options: BackendOptions) => {
  const { stops } = options;
  const [busStarted, dynamoDbStarted] = await Promise.allSettled([
    startBus(options).then((server) => {
      stops.push(() => server.close());
      return server;
    }),
    dynamoDbLocal(options),
  ]);
  if (busStarted.status === 'rejected') throw busStarted.reason;
  if (dynamoDbStarted.status === 'rejected') throw dynamoDbStarted.reason;
  return { bus: busStarted.value, dynamoDbEndpoint: dynamoDbStarted.value.endpoint };
};

/** Starts the backends of `options.app` and creates its tables. */
export const startBackends = async (options: BackendOptions): Promise<Backends> => {
  const { app, faults, random, stops } = options;
  const { bus, dynamoDbEndpoint } = await startProcesses(options);
  const dynamoDb = new DynamoDBClient({ ...LOCAL_AWS, region: app.region, endpoint: dynamoDbEndpoint });
  const eventBridge = new EventBridgeClient({ ...LOCAL_AWS, region: app.region, endpoint: bus.url });
  stops.push(async () => {
    dynamoDb.destroy();
    eventBridge.destroy();
  });
  await Promise.all(app.tables.map((table) => createTable(dynamoDb, table)));
  if (options.dynamoDbEndpoint !== undefined) {
    stops.push(async () => {
      await Promise.all(
        app.tables.map(({ tableName }) => dynamoDb.send(new DeleteTableCommand({ TableName: tableName }))),
      );
    });
  }

  // Under DynamoDB faults, or to count calls, the functions reach DynamoDB Local through the proxy.
  const onDynamoDbCall = faults.onDynamoDbCall;
  const { countDynamoDbCalls, stats } = options;
  const proxy =
    onDynamoDbCall || countDynamoDbCalls
      ? await startDynamoDbFaultProxy({
          target: dynamoDbEndpoint,
          ...(onDynamoDbCall && { onCall: (context) => onDynamoDbCall({ ...context, random }) }),
          ...(countDynamoDbCalls && { onAnswer: (answer) => countDynamoDbAnswer(stats, answer) }),
        })
      : undefined;
  if (proxy) stops.push(() => proxy.close());
  // Counted calls go through the proxy; faults strike only the functions' calls.
  const machineDynamoDb =
    countDynamoDbCalls && proxy
      ? new DynamoDBClient({ ...LOCAL_AWS, region: app.region, endpoint: proxy.endpoint })
      : dynamoDb;
  if (machineDynamoDb !== dynamoDb) stops.push(async () => machineDynamoDb.destroy());

  const baseEnv: Record<string, string> = {
    AWS_ENDPOINT_URL_DYNAMODB: proxy?.endpoint ?? dynamoDbEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    AWS_REGION: app.region,
    AWS_DEFAULT_REGION: app.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return { bus, dynamoDbEndpoint, dynamoDb, machineDynamoDb, eventBridge, baseEnv };
};
