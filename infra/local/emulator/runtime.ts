/**
 * The local runtime: runs the synthesized stack offline. DynamoDB Local holds the template's tables,
 * the local bus serves the EventBridge API and routes each accepted event to the targets of the rules it
 * matches, each function runs in its own worker thread, the state machines run in process, and the
 * queues of the template are kept in memory. Every call is authorized with the template's IAM (each
 * function and state machine calls as a session of its role; see access/). AWS time is a virtual clock,
 * compressed, that never passes work that is due, and runs at real speed once the runtime is quiet (see
 * `clock.ts`). It knows nothing of
 * what the stack does: the saga tooling and the chaos runs build on it (the latter through `faults`).
 */
import { performance } from 'node:perf_hooks';
import { createAccessControl } from './access/access-control.js';
import type { LocalCredentials } from './access/credentials.js';
import type { Principals } from './access/principals.js';
import { type ServedHttpApis, serveHttpApis } from './apigateway/serve.js';
import { type Backends, startBackends } from './backends.js';
import { VirtualClock } from './clock.js';
import { functionOf, ruleArnOf, stateMachineOf } from './cloud-assembly/lookup.js';
import type { LocalApp, LocalStateMachine } from './cloud-assembly/model.js';
import type { AlarmStatus } from './cloudwatch/alarms.js';
import { createCloudWatch, type LocalCloudWatch } from './cloudwatch/cloudwatch.js';
import { countingExecutions, countingInvocations } from './cloudwatch/service-metrics.js';
import type { EmulatorContext } from './context.js';
import { type Archives, createArchives, type Replay } from './eventbridge/archive.js';
import { createDelivery } from './eventbridge/delivery.js';
import type { EventEnvelope } from './eventbridge/put-events.js';
import { replayOperations } from './eventbridge/replay-api.js';
import { createRouter, scheduleRules, startSchedules } from './eventbridge/routing.js';
import type { FaultHooks } from './fault-hooks.js';
import { InFlight, until } from './in-flight.js';
import { createAsyncInvoker, type InvokeAsync } from './lambda/async-invoke.js';
import { createLambdaPool } from './lambda/pool.js';
import { type DeadLetterQueue, listDeadLetters, redriveDeadLetters } from './sqs/dead-letters.js';
import { LocalQueues, type QueueMessage } from './sqs/queues.js';
import { emptyStats, type RuntimeStats } from './stats.js';
import { runStateMachine } from './stepfunctions/state-machine.js';

export type { AlarmStatus, AlarmTransition } from './cloudwatch/alarms.js';
export type { Replay } from './eventbridge/archive.js';
export type { DeadLetter, DeadLetterQueue } from './sqs/dead-letters.js';

/** How to start the local runtime. */
export type RuntimeOptions = {
  /** The stack, as `loadTemplate` reads it from `cdk.out`. */
  app: LocalApp;
  /** The local bus's port; 0 or absent for a free one. */
  eventBridgePort?: number;
  /** DynamoDB Local's port; 0 or absent for a free one. */
  dynamoDbPort?: number;
  /** A DynamoDB Local already running, to use instead of starting one (give the app a `tableNamePrefix` of its own). */
  dynamoDbEndpoint?: string;
  /** The port of the template's (first) HTTP API, served on 127.0.0.1; 0 or absent for a free one. */
  apiPort?: number;
  /**
   * The clock's compression: while work is about, AWS's delays (retry backoff, Wait states, schedules) take
   * `delay × timeScale` of real time at most, and longer when work due earlier is still outstanding. Default
   * 0.01. The functions themselves run in real time.
   */
  timeScale?: number;
  /**
   * The schedule rules' period while the clock runs compressed: a rate of N minutes fires every
   * `N min × scheduleScale` of real time (every `N min × scheduleScale / timeScale` of AWS time). Default:
   * `timeScale`, AWS's own rate.
   */
  scheduleScale?: number;
  /** How far AWS time may run ahead of the oldest outstanding work, in AWS ms (see `VirtualClock`). */
  clockLeadMs?: number;
  /** AWS ms of quiet after which the clock runs at real speed (see `VirtualClock`). Default one hour. */
  quietAfterMs?: number;
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
  /**
   * Whether every call is authorized with the template's IAM (default true): the functions' and state
   * machines' DynamoDB and EventBridge calls, EventBridge's deliveries and the HTTP APIs' callers. False
   * allows every call unexamined (and counts none).
   */
  iam?: boolean;
};

/** An event accepted by a bus, with the bus's name and its arrival in milliseconds since the runtime started. */
export type LoggedEvent = { at: number; bus: string; event: EventEnvelope };

/** Bounds for `idle` and `waitFor`. */
export type WaitOptions = { timeoutMs?: number };

/** A running local runtime. */
export type Runtime = {
  readonly app: LocalApp;
  /**
   * The local endpoints, as the CLI reaches them (DynamoDB Local itself, never the fault proxy); `api` is
   * the invoke URL of the template's first HTTP API (absent when it has none), `apis` every one by name.
   */
  readonly endpoints: { eventBridge: string; dynamoDb: string; api?: string; apis: Record<string, string> };
  /**
   * The environment every worker starts from (endpoints, region, dummy credentials its role's replace).
   * When IAM is enforced, calls are counted or DynamoDB faults are on, its DynamoDB endpoint is the proxy.
   */
  readonly baseEnv: Record<string, string>;
  /** The principals of the template, with the local credentials that stand for each (see access/principals.ts). */
  readonly principals: Principals;
  /** Whether the run authorizes its calls with the template's IAM. */
  readonly iamEnforced: boolean;
  /** Every event accepted by PutEvents on a bus of the stacks (or the default bus), in arrival order. */
  readonly events: readonly LoggedEvent[];
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
  /** The template's alarms, evaluated now, each with its state and every change of state so far. */
  alarms(): AlarmStatus[];
  /** The replays of the bus's archives started so far, with their progress. */
  replays(): Replay[];
  /** Stops schedules and timers, the workers, the bus and DynamoDB Local. */
  stop(): Promise<void>;
};

const DEFAULT_WAIT_MS = 30_000;

/** Calls `stop` on whatever started before a failure, then rethrows. */
const cleanUpAfter = async <T>(stops: (() => Promise<void>)[], work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw error;
  }
};

/** The event log: every accepted event in arrival order, and a way to hear of each new batch. */
const createEventLog = () => {
  const events: LoggedEvent[] = [];
  const listeners = new Set<() => void>();
  return {
    events,
    append(batch: LoggedEvent[]) {
      events.push(...batch);
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
};

/** StartExecution by ARN, name, logical id or the stack output that names it; tracked like any execution. */
const executionStarter =
  (
    emulator: EmulatorContext,
    run: () => ((sm: LocalStateMachine, input: unknown) => Promise<unknown>) | undefined,
  ) =>
  async (name: string, input: unknown): Promise<unknown> => {
    const { app, stats, inFlight } = emulator;
    const stateMachine =
      stateMachineOf(app, app.outputs[name] ?? name) ?? app.stateMachines.find((sm) => sm.logicalId === name);
    const execute = run();
    if (!stateMachine || !execute) {
      throw new Error(
        `No state machine ${name} in the template; state machines: ${app.stateMachines.map((sm) => sm.name).join(', ') || 'none'}`,
      );
    }
    stats.executions++;
    return inFlight.track(`execution of ${stateMachine.name}`, async () => {
      try {
        return await execute(stateMachine, input);
      } catch (error) {
        stats.executionsFailed++;
        throw error;
      }
    });
  };

/** The variables that hand a function its role's credentials, as Lambda sets them (none without a role). */
const credentialsEnv = (credentials: LocalCredentials | undefined): Record<string, string> =>
  credentials
    ? { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey }
    : {};

/** The Lambda pool of the template's functions, warmed up. */
const startFunctions = async (
  options: RuntimeOptions,
  { faults, stats, clock, access }: EmulatorContext,
  baseEnv: Record<string, string>,
) => {
  const timeScale = clock.scale;
  const pool = createLambdaPool({
    functions: options.app.functions.map((fn) => ({
      ...fn,
      environment: {
        ...fn.environment,
        ...credentialsEnv(access.principals.ofFunction(fn)?.credentials),
        ...options.environment,
        ...faults.workerEnv?.(fn),
      },
    })),
    baseEnv,
    ...(options.maxConcurrency !== undefined && { maxConcurrency: options.maxConcurrency }),
    // Each worker is a cold start of a few hundred ms of CPU; on a laptop's few cores, two warm workers a
    // function serve a saga's bursts faster than more workers that are still loading.
    maxConcurrencyPerFunction: 2,
    // Locks taken for the remaining time (idempotency records) last the timeout in AWS time, so that
    // Lambda's compressed retry of a crashed attempt finds them expired, as the one-minute retry does on AWS.
    remainingTimeScale: timeScale,
    // The SDK's retry backoff inside a function is AWS time too: a throttled call's half-second pause
    // would otherwise hold a worker, and the lock of its remaining time, twenty times too long in a chaos run.
    timerScale: timeScale,
    onLog: (fn, line) => {
      stats.bytesLogged += Buffer.byteLength(line) + 1;
      options.onLog?.(fn, line);
    },
  });
  await pool.warm();
  return pool;
};

/**
 * Runs an execution as one activity of the clock: its work is outstanding while a state runs, not while it
 * waits (a Wait state, a retry's interval), and its time limit is AWS time too.
 */
const executionOnClock =
  (emulator: EmulatorContext, backends: Backends) =>
  (stateMachine: LocalStateMachine, input: unknown, origin: { background?: boolean } = {}) => {
    const { clock } = emulator;
    const activity = clock.activity(origin);
    return runStateMachine({
      definition: stateMachine.definition,
      input,
      // Its integrations call with its role's credentials.
      ...backends.clientsFor(emulator.access.principals.ofStateMachine(stateMachine)?.credentials),
      clock: {
        sleep: (ms) => activity.sleep(ms),
        after: (ms, fn) => clock.after(ms, fn),
        now: () => clock.date(),
      },
      waitScale: clock.scale,
      random: emulator.random,
      stateMachineArn: stateMachine.arn,
      onStateEntered: () => emulator.stats.stateTransitions++,
    }).finally(() => activity.end());
  };

/** `idle` and `waitFor`: each resolves when its condition holds, or rejects at its bound naming what is in flight. */
const waits = (inFlight: InFlight, log: ReturnType<typeof createEventLog>) => {
  // A change is looked at once the current turn settles, when follow-up work has been registered.
  const subscribeInFlight = (listener: () => void) => inFlight.subscribe(() => setImmediate(listener));
  const { events } = log;
  return {
    idle: async ({ timeoutMs = DEFAULT_WAIT_MS }: WaitOptions = {}) => {
      await until(
        () => (inFlight.size === 0 ? true : undefined),
        subscribeInFlight,
        timeoutMs,
        () => `The runtime was not idle after ${timeoutMs} ms; still in flight: ${inFlight.describe()}`,
      );
    },
    waitFor: (
      predicate: (events: readonly LoggedEvent[]) => boolean,
      { timeoutMs = DEFAULT_WAIT_MS }: WaitOptions = {},
    ) =>
      until(
        () => (predicate(events) ? (events as readonly LoggedEvent[]) : undefined),
        log.subscribe,
        timeoutMs,
        () =>
          `The awaited condition did not hold after ${timeoutMs} ms over ${events.length} event(s) ` +
          `(last: ${events.at(-1)?.event['detail-type'] ?? 'none'}); still in flight: ${inFlight.describe()}`,
      ),
  };
};

/** The operations a CLI in another process calls on the bus as `LocalRuntime.<name>`. */
const localOperations = (runtime: () => Runtime): Record<string, (body: unknown) => Promise<unknown>> => ({
  // The event log from an index on, so that a client can follow it without reading it all again.
  Events: async (body) => ({
    events: runtime().events.slice(Number((body as { from?: unknown }).from ?? 0) || 0),
  }),
  ListDeadLetters: async () => ({ queues: runtime().deadLetters() }),
  Redrive: async (body) => runtime().redrive((body as { queue?: string }).queue),
  StartExecution: async (body) => {
    const { stateMachine, input } = body as { stateMachine?: unknown; input?: unknown };
    return { output: await runtime().startExecution(String(stateMachine ?? ''), input ?? {}) };
  },
  Idle: async (body) => {
    const { timeoutMs } = body as { timeoutMs?: number };
    await runtime().idle(typeof timeoutMs === 'number' ? { timeoutMs } : {});
    return {};
  },
  Stats: async () => runtime().stats(),
  Alarms: async () => ({ alarms: runtime().alarms() }),
  Replays: async () => ({ replays: runtime().replays() }),
});

/** Stops everything that started, in reverse order, reporting every failure together. */
const stopAll = async (stops: (() => Promise<void>)[]) => {
  const errors: unknown[] = [];
  for (const stop of stops.reverse()) await stop().catch((error: unknown) => errors.push(error));
  if (errors.length > 0) throw new AggregateError(errors, 'The local runtime did not stop cleanly');
};

/** What the runtime observes: the template's alarms over its metrics, and the bus's archives. */
type Signals = { cloudWatch: LocalCloudWatch; archives: Archives };

/** The parts of a runtime that are wired once its backends are up, and whether it was stopped. */
type Wiring = {
  stopped: boolean;
  invokeAsync?: InvokeAsync;
  deliver?: ReturnType<typeof createDelivery>;
  execute?: (stateMachine: LocalStateMachine, input: unknown) => Promise<unknown>;
  httpApis?: ServedHttpApis;
};

/** The runtime as its users hold it, over its emulator, event log and wiring. */
const runtimeHandle = (
  emulator: EmulatorContext,
  log: ReturnType<typeof createEventLog>,
  wiring: Wiring,
  stops: (() => Promise<void>)[],
  backends: Backends,
  { cloudWatch, archives }: Signals,
): Runtime => {
  const { app, queues, stats, inFlight } = emulator;
  return {
    app,
    endpoints: {
      eventBridge: backends.bus.url,
      dynamoDb: backends.dynamoDbEndpoint,
      ...(wiring.httpApis?.url !== undefined && { api: wiring.httpApis.url }),
      apis: { ...wiring.httpApis?.urls },
    },
    baseEnv: backends.baseEnv,
    principals: emulator.access.principals,
    iamEnforced: emulator.access.enforced,
    events: log.events,
    deadLetters: () => listDeadLetters(app, queues),
    redrive: async (queue) => {
      const redriven = redriveDeadLetters(app, queues, queue, {
        functionOf: (name) => functionOf(app, name),
        invokeAsync: (fn, payload) => wiring.invokeAsync?.(fn, payload, { redrive: true }),
        deliver: (event, rule, target) => wiring.deliver?.(event, rule, target, { redrive: true }),
      });
      stats.redriven += redriven;
      return { redriven };
    },
    startExecution: executionStarter(emulator, () => wiring.execute),
    messages: (queue) => {
      const named = queue === undefined ? undefined : queues.find(queue);
      if (queue !== undefined && !named) throw new Error(`No queue ${queue} in the template`);
      return queues.list(named?.queueName);
    },
    ...waits(inFlight, log),
    pending: () => inFlight.describe(),
    stats: () => structuredClone(stats),
    alarms: () => cloudWatch.alarms(),
    replays: () => [...archives.replays.values()].map((replay) => ({ ...replay })),
    stop: async () => {
      if (wiring.stopped) return;
      wiring.stopped = true;
      emulator.clock.stop();
      await stopAll(stops);
    },
  };
};

/** Wires the functions, the state machines, delivery and the HTTP APIs onto running backends. */
const wire = async (
  options: RuntimeOptions,
  emulator: EmulatorContext,
  wiring: Wiring,
  backends: Backends,
  stops: (() => Promise<void>)[],
  { cloudWatch }: Signals,
) => {
  const onLog = (fn: string, line: string) => {
    cloudWatch.log(line);
    options.onLog?.(fn, line);
  };
  const pool = await startFunctions({ ...options, onLog }, emulator, backends.baseEnv);
  stops.push(() => pool.close());
  // An injected timeout or crash really terminates the worker mid-invocation (see the pool).
  const invokeAsync = createAsyncInvoker(
    emulator,
    countingInvocations(emulator.metrics, (fn, event: unknown, fault) =>
      pool.invoke(fn.functionName, event, fault),
    ),
  );
  const execute = countingExecutions(emulator.metrics, executionOnClock(emulator, backends));
  const deliver = createDelivery(
    emulator,
    { invokeAsync, startExecution: execute },
    options.deliveryJitterMs ?? 5,
  );
  // Requests reach the same warm workers, synchronously; the servers stop before the pool does.
  const httpApis = await serveHttpApis(
    emulator,
    async (fn, event) => {
      const end = emulator.clock.begin();
      try {
        return await pool.invoke(fn, event);
      } finally {
        end();
      }
    },
    options.apiPort ?? 0,
  );
  stops.push(() => httpApis.close());
  Object.assign(wiring, { invokeAsync, execute, deliver, httpApis });
  return deliver;
};

/**
 * Starts the runtime for `app`: DynamoDB Local with every table of the template, the local bus with the
 * template's rules, a Lambda worker pool, the template's HTTP APIs on loopback, and the schedule rules' timers.
 */
export const startRuntime = async (options: RuntimeOptions): Promise<Runtime> => {
  const { app } = options;
  const timeScale = options.timeScale ?? 0.01;
  const clock = new VirtualClock({
    scale: timeScale,
    ...(options.clockLeadMs !== undefined && { leadMs: options.clockLeadMs }),
    ...(options.quietAfterMs !== undefined && { quietAfterMs: options.quietAfterMs }),
  });
  const startedAt = performance.now();
  const now = () => Math.round((performance.now() - startedAt) * 1000) / 1000;
  const queues = new LocalQueues(app.queues, () => clock.now());
  const cloudWatch = createCloudWatch({ app, queues, clock, now });
  // Validate what can be refused before anything starts.
  const schedules = scheduleRules(app);
  const router = createRouter(app, (rule) => cloudWatch.metrics.ruleMatched(rule));
  const stats = emptyStats();
  const logRuntime = (line: string) => options.onLog?.('runtime', line);
  const emulator: EmulatorContext = {
    app,
    clock,
    inFlight: new InFlight(),
    stats,
    random: options.random ?? Math.random,
    faults: options.faults ?? {},
    queues,
    metrics: cloudWatch.metrics,
    log: logRuntime,
    now,
    access: createAccessControl({ app, enforce: options.iam ?? true, stats, log: logRuntime }),
  };
  const log = createEventLog();
  const archives = createArchives({
    app,
    route: router.route,
    inFlight: emulator.inFlight,
    ruleArnOf: (r) => ruleArnOf(app, r),
  });
  const signals: Signals = { cloudWatch, archives };
  const stops: (() => Promise<void>)[] = [];
  const wiring: Wiring = { stopped: false };
  const onEvents = (batch: EventEnvelope[], bus: string) => {
    if (wiring.stopped) return;
    stats.eventsPut += batch.length;
    log.append(batch.map((event) => ({ at: now(), bus, event })));
    archives.record(bus, batch);
    for (const event of batch) router.route(bus, event);
  };

  let handle: Runtime | undefined;
  return cleanUpAfter(stops, async () => {
    const backends = await startBackends({
      app,
      eventBridgePort: options.eventBridgePort,
      dynamoDbPort: options.dynamoDbPort,
      dynamoDbEndpoint: options.dynamoDbEndpoint,
      countDynamoDbCalls: options.countDynamoDbCalls,
      stats,
      faults: emulator.faults,
      random: emulator.random,
      access: emulator.access,
      now: () => clock.date(),
      onEvents,
      localOperations: localOperations(() => handle as Runtime),
      busOperations: replayOperations(app, archives, (r) => ruleArnOf(app, r)),
      stops,
    });
    const deliver = await wire(options, emulator, wiring, backends, stops, signals);
    router.ready(deliver);
    startSchedules(app, schedules, {
      clock,
      periodScale: (options.scheduleScale ?? timeScale) / timeScale,
      onFire: () => {
        if (wiring.stopped) return false;
        stats.scheduledEvents++;
        return true;
      },
      deliver,
    });
    cloudWatch.start(clock);
    handle = runtimeHandle(emulator, log, wiring, stops, backends, signals);
    return handle;
  });
};
