/**
 * The processes behind the emulator's endpoints: the local bus (the EventBridge API) and DynamoDB Local
 * with every table of the template, the SDK clients the emulator itself uses, and, when IAM is enforced,
 * calls are counted or a fault hook asks for DynamoDB faults, the proxy that the functions and the state
 * machines reach DynamoDB Local through (which authorizes, counts and strikes their calls).
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { AccessControl } from './access/access-control.js';
import type { LocalCredentials } from './access/credentials.js';
import { dynamoDbAuthorizer } from './access/dynamodb.js';
import { putEventsAuthorizer } from './access/events.js';
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
  /** Receives the events a bus accepts, with the bus's name. */
  onEvents: (events: EventEnvelope[], bus: string) => void;
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
  /** Authorizes the calls of the functions and state machines, and the bus's PutEvents. */
  access: AccessControl;
};

/** The running backends. */
export type Backends = {
  bus: EventBridgeServer;
  dynamoDbEndpoint: string;
  dynamoDb: DynamoDBClient;
  /**
   * The clients a state machine's integrations call with, signed with its role's credentials (anonymous
   * without them): DynamoDB through the proxy when there is one, the local bus. Made once per credentials.
   */
  clientsFor(credentials: LocalCredentials | undefined): {
    dynamoDb: DynamoDBClient;
    eventBridge: EventBridgeClient;
  };
  /** The environment every worker starts from (endpoints, region, dummy credentials its own replace). */
  baseEnv: Record<string, string>;
};

const startBus = (options: BackendOptions): Promise<EventBridgeServer> => {
  const { app, faults, random } = options;
  return startEventBridgeServer({
    port: options.eventBridgePort || 0,
    buses: app.buses.map((bus) => bus.name),
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
    ...(options.access.enforced && { authorize: putEventsAuthorizer(app, options.access) }),
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
  const { app, stops } = options;
  const { bus, dynamoDbEndpoint } = await startProcesses(options);
  const dynamoDb = new DynamoDBClient({ ...LOCAL_AWS, region: app.region, endpoint: dynamoDbEndpoint });
  stops.push(async () => dynamoDb.destroy());
  await Promise.all(app.tables.map((table) => createTable(dynamoDb, table)));
  if (options.dynamoDbEndpoint !== undefined) {
    stops.push(async () => {
      await Promise.all(
        app.tables.map(({ tableName }) => dynamoDb.send(new DeleteTableCommand({ TableName: tableName }))),
      );
    });
  }

  const proxy = await startProxy(options, dynamoDbEndpoint);
  if (proxy) stops.push(() => proxy.close());
  const clientsFor = machineClients(app, proxy?.endpoint ?? dynamoDbEndpoint, bus.url, stops);

  const baseEnv: Record<string, string> = {
    AWS_ENDPOINT_URL_DYNAMODB: proxy?.endpoint ?? dynamoDbEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    AWS_REGION: app.region,
    AWS_DEFAULT_REGION: app.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return { bus, dynamoDbEndpoint, dynamoDb, clientsFor, baseEnv };
};

/**
 * The proxy the functions and state machines reach DynamoDB Local through, when anything needs to see
 * their calls: IAM's enforcement, the call counts, or DynamoDB faults (which strike the functions' calls only).
 */
const startProxy = async (options: BackendOptions, target: string) => {
  const { faults, random, countDynamoDbCalls, stats, access, app } = options;
  const onDynamoDbCall = faults.onDynamoDbCall;
  if (!onDynamoDbCall && !countDynamoDbCalls && !access.enforced) return undefined;
  const machineKeys = new Set(
    access.principals.list
      .filter((p) => p.holder.kind === 'state-machine')
      .map((p) => p.credentials.accessKeyId),
  );
  return startDynamoDbFaultProxy({
    target,
    ...(onDynamoDbCall && {
      onCall: (context, { accessKeyId }) =>
        accessKeyId !== undefined && machineKeys.has(accessKeyId)
          ? undefined
          : onDynamoDbCall({ ...context, random }),
    }),
    ...(countDynamoDbCalls && { onAnswer: (answer) => countDynamoDbAnswer(stats, answer) }),
    ...(access.enforced && { authorize: dynamoDbAuthorizer(app, access) }),
  });
};

/** SDK clients per credentials (a state machine's role), made on first use and destroyed with the backends. */
const machineClients = (
  app: LocalApp,
  dynamoDbEndpoint: string,
  busUrl: string,
  stops: (() => Promise<void>)[],
): Backends['clientsFor'] => {
  const made = new Map<string, ReturnType<Backends['clientsFor']>>();
  stops.push(async () => {
    for (const clients of made.values()) {
      clients.dynamoDb.destroy();
      clients.eventBridge.destroy();
    }
  });
  return (credentials) => {
    const key = credentials?.accessKeyId ?? '';
    let clients = made.get(key);
    if (clients === undefined) {
      const config = { region: app.region, credentials: credentials ?? LOCAL_AWS.credentials };
      clients = {
        dynamoDb: new DynamoDBClient({ ...config, endpoint: dynamoDbEndpoint }),
        eventBridge: new EventBridgeClient({ ...config, endpoint: busUrl }),
      };
      made.set(key, clients);
    }
    return clients;
  };
};
