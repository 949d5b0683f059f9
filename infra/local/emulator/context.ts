/**
 * What the parts of the local runtime share: its template, clock, random source, fault hooks, queues,
 * the register of work in flight, and the counters `runtime.stats()` reports.
 */
import type { CompressedClock, InFlight } from './clock.js';
import type { LocalApp, LocalFunction, LocalRule, LocalStateMachine } from './cloud-assembly/model.js';
import type { FaultHooks } from './fault-hooks.js';
import type { LocalQueues } from './sqs/queues.js';

/** Counters of everything the runtime did, for the demo's summary and the chaos runs' figures. */
export type RuntimeStats = {
  /** Events accepted by PutEvents on the stack's bus (the event log's length). */
  eventsPut: number;
  /** Scheduled events fired by schedule rules. */
  scheduledEvents: number;
  /** (event, rule, target) routings: every match of an enabled rule, each target counted. */
  routed: number;
  /** Successful deliveries to targets, duplicates and redrives included. */
  deliveries: number;
  /** Extra copies delivered by the duplicate fault. */
  duplicates: number;
  /** Deliveries dropped by the drop fault (lost without a DLQ). */
  dropped: number;
  /** Failed delivery attempts (throttled, internal, target missing). */
  deliveryFailures: number;
  /** Delivery attempts made again under a target's retry policy. */
  deliveryRetries: number;
  /** Lambda invocation attempts (first attempts and retries). */
  lambdaInvocations: number;
  /** Invocation attempts that failed: function errors, timeouts and crashes. */
  lambdaErrors: number;
  /** Asynchronous invocations retried by Lambda. */
  lambdaRetries: number;
  /** Invocation attempts that timed out. */
  timeouts: number;
  /** Invocation attempts whose worker crashed. */
  crashes: number;
  /** Delivery retries and Lambda retries together. */
  retries: number;
  /** Messages sent to a target's DLQ or a function's on-failure destination. */
  deadLettered: number;
  /** Events given up with nowhere to go (no DLQ or destination configured). */
  lost: number;
  /** Dead letters sent again by `redrive`. */
  redriven: number;
  /** State machine executions started. */
  executions: number;
  /** State machine executions that failed. */
  executionsFailed: number;
  /** States entered by the state machines' executions (Step Functions' state transitions). */
  stateTransitions: number;
  /** Bytes the functions wrote to stdout and stderr (CloudWatch Logs ingestion on AWS), newlines included. */
  bytesLogged: number;
  /** Lambda invocation attempts and their summed duration, by function name. */
  lambdaDurations: Record<string, { invocations: number; durationMs: number }>;
  /**
   * DynamoDB calls by table and operation, when the runtime counts them (`countDynamoDbCalls`): the
   * functions' calls and the state machines' integrations, with the capacity units DynamoDB Local reports.
   */
  dynamoDbCalls: Record<string, Record<string, DynamoDbCallCount>>;
};

/** The calls of one operation on one table. */
export type DynamoDbCallCount = {
  calls: number;
  /** Calls DynamoDB answered with an error (a failed condition among them), which report no capacity. */
  errors: number;
  /** Capacity units DynamoDB Local reported for the successful calls (`ReturnConsumedCapacity: TOTAL`). */
  capacityUnits: number;
};

/** Every counter at zero. */
export const emptyStats = (): RuntimeStats => ({
  eventsPut: 0,
  scheduledEvents: 0,
  routed: 0,
  deliveries: 0,
  duplicates: 0,
  dropped: 0,
  deliveryFailures: 0,
  deliveryRetries: 0,
  lambdaInvocations: 0,
  lambdaErrors: 0,
  lambdaRetries: 0,
  timeouts: 0,
  crashes: 0,
  retries: 0,
  deadLettered: 0,
  lost: 0,
  redriven: 0,
  executions: 0,
  executionsFailed: 0,
  stateTransitions: 0,
  bytesLogged: 0,
  lambdaDurations: {},
  dynamoDbCalls: {},
});

/** The shared state and services of one running runtime. */
export type Machinery = {
  app: LocalApp;
  clock: CompressedClock;
  inFlight: InFlight;
  stats: RuntimeStats;
  random: () => number;
  faults: FaultHooks;
  queues: LocalQueues;
  /** A diagnostic line from the runtime itself (reported through `onLog` as function `runtime`). */
  log: (line: string) => void;
  /** Milliseconds since the runtime started. */
  now: () => number;
};

/** The ARN of a rule, as EventBridge forms it (rules of a custom bus carry the bus name). */
export const ruleArnOf = (app: LocalApp, rule: LocalRule): string => {
  const bus = rule.eventBusName.startsWith('arn:')
    ? rule.eventBusName.slice(rule.eventBusName.indexOf('/') + 1)
    : rule.eventBusName;
  return `arn:aws:events:${app.region}:${app.account}:rule/${bus === 'default' ? '' : `${bus}/`}${rule.name}`;
};

/** The function an ARN designates, with or without a version or alias qualifier. */
export const functionOf = (app: LocalApp, arnOrName: string): LocalFunction | undefined =>
  app.functions.find(
    (fn) =>
      fn.arn === arnOrName ||
      arnOrName.startsWith(`${fn.arn}:`) ||
      fn.functionName === arnOrName ||
      fn.logicalId === arnOrName,
  );

/** The state machine an ARN designates. */
export const stateMachineOf = (app: LocalApp, arn: string): LocalStateMachine | undefined =>
  app.stateMachines.find((sm) => sm.arn === arn || sm.name === arn);
