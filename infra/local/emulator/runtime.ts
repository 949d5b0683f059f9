/**
 * The local runtime: runs the synthesized stack offline. DynamoDB Local holds the template's tables,
 * the local bus serves the EventBridge API and routes each accepted event to the targets of the rules it
 * matches, each function runs in its own worker thread, the audit state machine runs in process, and
 * the queues of the template are kept in memory. AWS's delays run on a compressed clock.
 */
import { performance } from 'node:perf_hooks';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DynamoDBClient,
  type KeySchemaElement,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CompressedClock, InFlight, until } from './clock.js';
import type { LocalApp, LocalRule, LocalStateMachine, LocalTable } from './cloud-assembly/model.js';
import {
  emptyStats,
  functionOf,
  type Machinery,
  type RuntimeStats,
  ruleArnOf,
  stateMachineOf,
} from './context.js';
import { countDynamoDbAnswer } from './dynamodb/call-counts.js';
import { type DynamoDbLocal, LOCAL_AWS, startDynamoDbLocal } from './dynamodb/dynamodb-local.js';
import { startDynamoDbFaultProxy } from './dynamodb/fault-proxy.js';
import { createDelivery, type Deliver } from './eventbridge/delivery.js';
import { matchesPattern } from './eventbridge/pattern.js';
import { busNameOf, type EventEnvelope } from './eventbridge/put-events.js';
import { ratePeriodMs, scheduledEvent } from './eventbridge/schedule.js';
import { type EventBridgeServer, startEventBridgeServer } from './eventbridge/server.js';
import type { FaultHooks } from './fault-hooks.js';
import {
  createAsyncInvoker,
  type DestinationRecord,
  type InvokeAsync,
  type InvokeAttempt,
} from './lambda/async-invoke.js';
import { createLambdaPool } from './lambda/pool.js';
import { LocalQueues, type QueueMessage } from './sqs/queues.js';
import { runStateMachine } from './stepfunctions/state-machine.js';

/** How to start the local runtime. */
export type RuntimeOptions = {
  /** The stack, as `loadTemplate` reads it from `cdk.out`. */
  app: LocalApp;
  /** The local bus's port; 0 or absent for a free one. */
  eventBridgePort?: number;
  /** DynamoDB Local's port; 0 or absent for a free one. */
  dynamoDbPort?: number;
  /** The compressed clock: AWS's delays (retry backoff, Wait states) take `delay × timeScale`. Default 0.01: the functions run in real time, and the audit's waits must still outlast a compensation's retries. */
  timeScale?: number;
  /** The schedule rules' clock: a rate of N minutes fires every `N min × scheduleScale`. Default: `timeScale`. */
  scheduleScale?: number;
  /** The most function invocations running at once (passed to the Lambda pool). */
  maxConcurrency?: number;
  /** The most wall-clock milliseconds of random latency before a delivery (reorders events). Default 5. */
  deliveryJitterMs?: number;
  /** Receives every log line of a function, and the runtime's own lines as function `runtime`. */
  onLog?: (functionName: string, line: string) => void;
  /** The one random source of the runtime (jitter, backoff, fault decisions): seed it for reproducible runs. */
  random?: () => number;
  /** Fault injection, for the chaos runs. */
  faults?: FaultHooks;
  /** Count every DynamoDB call of the functions and state machines in `stats().dynamoDbCalls` (through the proxy). */
  countDynamoDbCalls?: boolean;
  /** Variables merged into every function's environment, over the template's (a chaos run's short ORDER_DEADLINE_SECONDS). */
  environment?: Record<string, string>;
};

/** An event accepted by the bus, with its arrival in milliseconds since the runtime started. */
export type LoggedEvent = { at: number; event: EventEnvelope };

/** A message of a dead-letter queue, with what it came from. */
export type DeadLetter = {
  messageId: string;
  /** When it was dead-lettered, in ms since the runtime started. */
  sentAt: number;
  /** The function whose asynchronous invocation gave up, or the rule target that could not be reached. */
  from:
    | { kind: 'function'; functionName: string }
    | { kind: 'rule-target'; ruleName: string; targetId: string };
  /** Why: the destination record's condition and error, or the DLQ message's error code and message. */
  reason: string;
  body: string;
  attributes: Record<string, string>;
};

/** A dead-letter queue (a target's DLQ or a function's on-failure destination) and what it holds. */
export type DeadLetterQueue = { queueName: string; arn: string; messages: DeadLetter[] };

/** Bounds for `idle` and `waitFor`. */
export type WaitOptions = { timeoutMs?: number };

/** A running local runtime. */
export type Runtime = {
  readonly app: LocalApp;
  /** The local endpoints, as the CLI reaches them (DynamoDB Local itself, never the fault proxy). */
  readonly endpoints: { eventBridge: string; dynamoDb: string };
  /**
   * The environment every worker starts from (endpoints, region, dummy credentials). Under DynamoDB
   * faults (`faults.onDynamoDbCall`), its DynamoDB endpoint is the fault proxy.
   */
  readonly baseEnv: Record<string, string>;
  /** Every event accepted by PutEvents on the stack's bus, in arrival order. */
  readonly events: readonly LoggedEvent[];
  /** The events of one saga (`detail.orderId`), in arrival order. */
  timeline(orderId: string): LoggedEvent[];
  /** The dead-letter queues of the template with their messages. */
  deadLetters(): DeadLetterQueue[];
  /**
   * Sends every dead letter of one queue (by name, logical id, ARN or URL), or of all, again: a
   * destination record re-invokes its function asynchronously with its `requestPayload`; a target's
   * DLQ message is delivered to that rule target again. Each message is removed as it is sent.
   */
  redrive(queue?: string): Promise<{ redriven: number }>;
  /**
   * Runs a state machine of the template (by ARN, name, logical id or the stack output that names it) with
   * `input`, as StartExecution does for an operator; resolves with its output, rejects with its error.
   */
  startExecution(stateMachine: string, input: unknown): Promise<unknown>;
  /** The messages a queue holds (every queue when none is named). */
  messages(queue?: string): QueueMessage[];
  /** Resolves when nothing is in flight (deliveries, invocations, retries, executions; not schedules). */
  idle(options?: WaitOptions): Promise<void>;
  /** Resolves with the event log once `predicate` holds over it. */
  waitFor(
    predicate: (events: readonly LoggedEvent[]) => boolean,
    options?: WaitOptions,
  ): Promise<readonly LoggedEvent[]>;
  /** What is in flight now, described. */
  pending(): string;
  /** A snapshot of the counters. */
  stats(): RuntimeStats;
  /** Stops schedules and timers, the workers, the bus and DynamoDB Local. */
  stop(): Promise<void>;
};

const DEFAULT_WAIT_MS = 30_000;

/** Creates a table of the template in DynamoDB Local: keys with their types, GSIs, TTL and stream. */
export const createLocalTable = async (client: DynamoDBClient, table: LocalTable): Promise<void> => {
  const keyNames = [
    table.partitionKey,
    table.sortKey,
    ...table.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ].filter((name): name is string => name !== undefined);
  const attributes: AttributeDefinition[] = [...new Set(keyNames)].map((name) => ({
    AttributeName: name,
    AttributeType: table.attributeTypes[name] ?? 'S',
  }));
  const keySchema = (partitionKey: string, sortKey?: string): KeySchemaElement[] => [
    { AttributeName: partitionKey, KeyType: 'HASH' },
    ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' as const }] : []),
  ];
  await client.send(
    new CreateTableCommand({
      TableName: table.tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributes,
      KeySchema: keySchema(table.partitionKey, table.sortKey),
      ...(table.globalSecondaryIndexes.length > 0 && {
        GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: keySchema(index.partitionKey, index.sortKey),
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
      ...(table.streamViewType && {
        StreamSpecification: {
          StreamEnabled: true,
          StreamViewType: table.streamViewType as 'NEW_AND_OLD_IMAGES',
        },
      }),
    }),
  );
  if (table.timeToLiveAttribute) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: table.tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: table.timeToLiveAttribute },
      }),
    );
  }
};

/** The rules of the stack's bus that route events: enabled, with a pattern (parsed once). */
const eventRules = (app: LocalApp): { rule: LocalRule; pattern: unknown }[] =>
  app.rules
    .filter(
      (rule) =>
        rule.state === 'ENABLED' &&
        rule.eventPattern !== undefined &&
        busNameOf(rule.eventBusName) === app.bus.name,
    )
    .map((rule) => ({
      rule,
      pattern: typeof rule.eventPattern === 'string' ? JSON.parse(rule.eventPattern) : rule.eventPattern,
    }));

/** The dead-letter queues the template declares: targets' DLQs and functions' on-failure destinations. */
const deadLetterArns = (app: LocalApp): Set<string> =>
  new Set(
    [
      ...app.rules.flatMap((rule) => rule.targets.map((target) => target.deadLetterArn)),
      ...app.functions.map((fn) => fn.async.onFailureArn),
    ].filter((arn): arn is string => arn !== undefined),
  );

const deadLetterOf = (message: QueueMessage): DeadLetter | undefined => {
  const { origin } = message;
  if (origin.kind === 'target') return undefined;
  const common = {
    messageId: message.messageId,
    sentAt: message.sentAt,
    body: message.body,
    attributes: message.attributes,
  };
  if (origin.kind === 'destination') {
    const record = JSON.parse(message.body) as DestinationRecord;
    const error = record.responsePayload;
    return {
      ...common,
      from: { kind: 'function', functionName: origin.functionName },
      reason: `${record.requestContext.condition} after ${record.requestContext.approximateInvokeCount} attempt(s)${
        error ? `: ${error.errorType}: ${error.errorMessage}` : ''
      }`,
    };
  }
  return {
    ...common,
    from: { kind: 'rule-target', ruleName: origin.ruleName, targetId: origin.targetId },
    reason: `${message.attributes.ERROR_CODE}: ${message.attributes.ERROR_MESSAGE}`,
  };
};

/** Calls `stop` on whatever started before a failure, then rethrows. */
const cleanUpAfter = async <T>(stops: (() => Promise<void>)[], work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw error;
  }
};

/**
 * Starts the runtime for `app`: DynamoDB Local with every table of the template, the local bus with the
 * template's rules, a Lambda worker pool, and the schedule rules' timers.
 */
export const startRuntime = async (options: RuntimeOptions): Promise<Runtime> => {
  const { app } = options;
  const timeScale = options.timeScale ?? 0.01;
  const scheduleScale = options.scheduleScale ?? timeScale;
  const random = options.random ?? Math.random;
  const faults = options.faults ?? {};
  const onLog = options.onLog ?? (() => {});
  const startedAt = performance.now();
  const now = () => Math.round((performance.now() - startedAt) * 1000) / 1000;

  // Validate what can be refused before anything starts.
  const schedules = app.rules
    .filter((rule) => rule.state === 'ENABLED' && rule.scheduleExpression !== undefined)
    .map((rule) => ({ rule, periodMs: ratePeriodMs(rule.scheduleExpression as string, rule.name) }));
  const routing = eventRules(app);

  const clock = new CompressedClock(timeScale);
  const inFlight = new InFlight();
  const stats = emptyStats();
  const log: LoggedEvent[] = [];
  const logListeners = new Set<() => void>();
  const queues = new LocalQueues(app.queues, now);
  const machinery: Machinery = {
    app,
    clock,
    inFlight,
    stats,
    random,
    faults,
    queues,
    log: (line) => onLog('runtime', line),
    now,
  };

  const stops: (() => Promise<void>)[] = [];
  let stopped = false;
  let deliver: Deliver | undefined;
  let startExecution: ((stateMachine: LocalStateMachine, input: unknown) => Promise<unknown>) | undefined;
  /** StartExecution by ARN, name, logical id or the stack output that names it; tracked like any execution. */
  const startExecutionOf = async (name: string, input: unknown): Promise<unknown> => {
    const stateMachine =
      stateMachineOf(app, app.outputs[name] ?? name) ?? app.stateMachines.find((sm) => sm.logicalId === name);
    const run = startExecution;
    if (!stateMachine || !run) {
      throw new Error(
        `No state machine ${name} in the template; state machines: ${app.stateMachines.map((sm) => sm.name).join(', ') || 'none'}`,
      );
    }
    stats.executions++;
    return inFlight.track(`execution of ${stateMachine.name}`, async () => {
      try {
        return await run(stateMachine, input);
      } catch (error) {
        stats.executionsFailed++;
        throw error;
      }
    });
  };

  // Events put while the runtime is still starting are routed once delivery is ready.
  const early: EventEnvelope[] = [];
  const route = (event: EventEnvelope) => {
    if (deliver === undefined) {
      early.push(event);
      return;
    }
    for (const { rule, pattern } of routing) {
      if (!matchesPattern(pattern, event)) continue;
      for (const target of rule.targets) deliver(event, rule, target);
    }
  };

  const onEvents = (events: EventEnvelope[]) => {
    if (stopped) return;
    for (const event of events) {
      log.push({ at: now(), event });
      stats.eventsPut++;
      route(event);
    }
    for (const listener of [...logListeners]) listener();
  };

  const deadLetters = (): DeadLetterQueue[] => {
    const arns = deadLetterArns(app);
    return app.queues
      .map((queue) => ({
        queueName: queue.queueName,
        arn: queue.arn,
        messages: queues
          .list(queue.queueName)
          .map(deadLetterOf)
          .filter((m): m is DeadLetter => m !== undefined),
      }))
      .filter((queue) => arns.has(queue.arn) || queue.messages.length > 0);
  };

  let invokeAsync: InvokeAsync | undefined;

  const redrive = async (queueName?: string): Promise<{ redriven: number }> => {
    const named = queueName === undefined ? undefined : queues.find(queueName);
    if (queueName !== undefined && !named) {
      throw new Error(
        `No queue ${queueName} in the template; queues: ${app.queues.map((q) => q.queueName).join(', ') || 'none'}`,
      );
    }
    let redriven = 0;
    for (const message of queues.list(named?.queueName)) {
      const { origin } = message;
      if (origin.kind === 'destination') {
        const fn = functionOf(app, origin.functionName);
        if (!fn) continue;
        queues.delete(message);
        invokeAsync?.(fn, (JSON.parse(message.body) as DestinationRecord).requestPayload, { redrive: true });
      } else if (origin.kind === 'target-dlq') {
        const rule = app.rules.find((r) => r.name === origin.ruleName);
        const target = rule?.targets.find((t) => t.id === origin.targetId);
        if (!rule || !target) continue;
        queues.delete(message);
        deliver?.(JSON.parse(message.body) as EventEnvelope, rule, target, { redrive: true });
      } else {
        continue;
      }
      redriven++;
      stats.redriven++;
    }
    return { redriven };
  };

  return cleanUpAfter(stops, async () => {
    // Settled together, so that whatever did start is stopped if the other part fails.
    const [busStarted, dynamoDbStarted] = await Promise.allSettled([
      startEventBridgeServer({
        port: options.eventBridgePort || 0,
        busName: app.bus.name,
        rules: app.rules.map((rule) => ({
          name: rule.name,
          eventBusName: rule.eventBusName,
          eventPattern: rule.eventPattern,
          state: rule.state,
          targets: rule.targets.map((target) => ({ id: target.id, arn: target.arn })),
        })),
        onEvents,
        ...(faults.onPutEvents && {
          onPutEvents: (context) => faults.onPutEvents?.({ ...context, random }),
        }),
        account: app.account,
        region: app.region,
        localOperations: {
          Timeline: async (body) => {
            const orderId = String((body as { orderId?: unknown }).orderId ?? '');
            return { orderId, events: log.filter((e) => e.event.detail.orderId === orderId) };
          },
          ListDeadLetters: async () => ({ queues: deadLetters() }),
          Redrive: async (body) => redrive((body as { queue?: string }).queue),
          StartExecution: async (body) => {
            const { stateMachine, input } = body as { stateMachine?: unknown; input?: unknown };
            return { output: await startExecutionOf(String(stateMachine ?? ''), input ?? {}) };
          },
          Idle: async (body) => {
            const { timeoutMs } = body as { timeoutMs?: number };
            await runtime.idle(typeof timeoutMs === 'number' ? { timeoutMs } : {});
            return {};
          },
          Stats: async () => structuredClone(stats),
          // The event log from an index on, so that a client can follow it without reading it all again.
          Events: async (body) => ({
            events: log.slice(Number((body as { from?: unknown }).from ?? 0) || 0),
          }),
        },
      }).then((server: EventBridgeServer) => {
        stops.push(() => server.close());
        return server;
      }),
      startDynamoDbLocal({ port: options.dynamoDbPort || undefined }).then((local: DynamoDbLocal) => {
        stops.push(() => local.stop());
        return local;
      }),
    ]);
    if (busStarted.status === 'rejected') throw busStarted.reason;
    if (dynamoDbStarted.status === 'rejected') throw dynamoDbStarted.reason;
    const [bus, dynamoDb] = [busStarted.value, dynamoDbStarted.value];

    const dynamoDbClient = new DynamoDBClient({
      ...LOCAL_AWS,
      region: app.region,
      endpoint: dynamoDb.endpoint,
    });
    const eventBridgeClient = new EventBridgeClient({ ...LOCAL_AWS, region: app.region, endpoint: bus.url });
    stops.push(async () => {
      dynamoDbClient.destroy();
      eventBridgeClient.destroy();
    });
    await Promise.all(app.tables.map((table) => createLocalTable(dynamoDbClient, table)));

    // Under DynamoDB faults the functions reach DynamoDB Local through the fault proxy; nothing else does.
    const onDynamoDbCall = faults.onDynamoDbCall;
    const proxy =
      onDynamoDbCall || options.countDynamoDbCalls
        ? await startDynamoDbFaultProxy({
            target: dynamoDb.endpoint,
            ...(onDynamoDbCall && { onCall: (context) => onDynamoDbCall({ ...context, random }) }),
            ...(options.countDynamoDbCalls && { onAnswer: (answer) => countDynamoDbAnswer(stats, answer) }),
          })
        : undefined;
    if (proxy) stops.push(() => proxy.close());
    // Counted calls go through the proxy; faults strike only the functions' calls.
    const machineDynamoDb =
      options.countDynamoDbCalls && proxy
        ? new DynamoDBClient({ ...LOCAL_AWS, region: app.region, endpoint: proxy.endpoint })
        : dynamoDbClient;
    stops.push(async () => machineDynamoDb.destroy());

    const baseEnv: Record<string, string> = {
      AWS_ENDPOINT_URL_DYNAMODB: proxy?.endpoint ?? dynamoDb.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
      AWS_REGION: app.region,
      AWS_DEFAULT_REGION: app.region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const pool = createLambdaPool({
      functions: app.functions.map((fn) => ({
        ...fn,
        environment: { ...fn.environment, ...options.environment, ...faults.workerEnv?.(fn) },
      })),
      baseEnv,
      ...(options.maxConcurrency !== undefined && { maxConcurrency: options.maxConcurrency }),
      // Each worker is a cold start of a few hundred ms of CPU; on a laptop's few cores, two warm workers a
      // function serve a saga's bursts faster than more workers that are still loading.
      maxConcurrencyPerFunction: 2,
      // Locks taken for the remaining time (idempotency records) last the timeout in AWS time, so that
      // Lambda's compressed retry of a crashed attempt finds them expired, as the one-minute retry does on AWS.
      remainingTimeScale: timeScale,
      onLog: (fn, line) => {
        stats.bytesLogged += Buffer.byteLength(line) + 1;
        onLog(fn, line);
      },
    });
    stops.push(() => pool.close());
    await pool.warm();

    // An injected timeout or crash really terminates the worker mid-invocation (see the pool).
    const invokeAttempt: InvokeAttempt = (fn, event, fault) => pool.invoke(fn.functionName, event, fault);
    invokeAsync = createAsyncInvoker(machinery, invokeAttempt);
    startExecution = (stateMachine, input) =>
      runStateMachine({
        definition: stateMachine.definition,
        input,
        dynamoDb: machineDynamoDb,
        eventBridge: eventBridgeClient,
        waitScale: timeScale,
        stateMachineArn: stateMachine.arn,
        onStateEntered: () => stats.stateTransitions++,
      });
    deliver = createDelivery(machinery, { invokeAsync, startExecution }, options.deliveryJitterMs ?? 5);
    for (const event of early.splice(0)) route(event);

    for (const { rule, periodMs } of schedules) {
      clock.everyReal(periodMs * scheduleScale, () => {
        if (stopped) return;
        stats.scheduledEvents++;
        const event = scheduledEvent(ruleArnOf(app, rule), app);
        for (const target of rule.targets) deliver?.(event, rule, target);
      });
    }

    const subscribeLog = (listener: () => void) => {
      logListeners.add(listener);
      return () => logListeners.delete(listener);
    };
    // A change is looked at once the current turn settles, when follow-up work has been registered.
    const subscribeInFlight = (listener: () => void) => inFlight.subscribe(() => setImmediate(listener));

    const runtime: Runtime = {
      app,
      endpoints: { eventBridge: bus.url, dynamoDb: dynamoDb.endpoint },
      baseEnv,
      events: log,
      timeline: (orderId) => log.filter((e) => e.event.detail.orderId === orderId),
      deadLetters,
      redrive,
      startExecution: startExecutionOf,
      messages: (queue) => {
        const named = queue === undefined ? undefined : queues.find(queue);
        if (queue !== undefined && !named) throw new Error(`No queue ${queue} in the template`);
        return queues.list(named?.queueName);
      },
      idle: async ({ timeoutMs = DEFAULT_WAIT_MS } = {}) => {
        await until(
          () => (inFlight.size === 0 ? true : undefined),
          subscribeInFlight,
          timeoutMs,
          () => `The runtime was not idle after ${timeoutMs} ms; still in flight: ${inFlight.describe()}`,
        );
      },
      waitFor: (predicate, { timeoutMs = DEFAULT_WAIT_MS } = {}) =>
        until(
          () => (predicate(log) ? log : undefined),
          subscribeLog,
          timeoutMs,
          () =>
            `The awaited condition did not hold after ${timeoutMs} ms over ${log.length} event(s) ` +
            `(last: ${log.at(-1)?.event['detail-type'] ?? 'none'}); still in flight: ${inFlight.describe()}`,
        ),
      pending: () => inFlight.describe(),
      stats: () => structuredClone(stats),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        clock.stop();
        const errors: unknown[] = [];
        for (const stop of stops.reverse()) await stop().catch((error: unknown) => errors.push(error));
        if (errors.length > 0) throw new AggregateError(errors, 'The local runtime did not stop cleanly');
      },
    };
    return runtime;
  });
};
