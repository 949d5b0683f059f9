/**
 * The fault-injection seams of the local runtime. The runtime calls these hooks at the points where
 * AWS itself can misbehave (a delivery, a delivery attempt, a Lambda invocation, a DynamoDB call of a
 * function, a PutEvents request) and honours what they return; it implements no fault of its own. The
 * chaos runs supply the hooks, drawing every decision from the runtime's one seeded random source
 * (passed to each hook), so a run is reproducible.
 */

import type { LocalFunction, LocalRule, LocalTarget } from './cloud-assembly/model.js';
import type { EventEnvelope, PutEventsRequestEntry } from './eventbridge/put-events.js';

/** One routing of an event to one target of a matching rule. */
export type DeliveryContext = {
  event: EventEnvelope;
  rule: LocalRule;
  target: LocalTarget;
  /** True when the delivery is a redrive out of the target's dead-letter queue. */
  redrive: boolean;
  /** The runtime's seeded random source. */
  random: () => number;
};

/** What happens to one routing, decided once before its first attempt. */
export type DeliveryFault = {
  /** Extra copies to deliver, each with the same event id (as EventBridge's at-least-once does). */
  duplicate?: number;
  /** Wall-clock milliseconds to hold the delivery back (reorders events). Not scaled. */
  delayMs?: number;
  /** The event never reaches the target and no DLQ sees it: a delivery lost for good. */
  drop?: boolean;
  /**
   * The delivery (every copy) waits until this settles, then runs as it would have: a caller holds one
   * step back until it has done what must come first, with no clock involved. In flight while held.
   */
  hold?: Promise<unknown>;
};

/** How one delivery attempt fails: a retryable error, as a throttled or failing target would give. */
export type DeliveryAttemptFault = { fail?: 'throttled' | 'internal' };

/** One Lambda invocation attempt (asynchronous: the first or a retry). */
export type InvokeContext = {
  fn: LocalFunction;
  event: unknown;
  /** 1 for the first attempt, 2 and 3 for Lambda's async retries. */
  attempt: number;
  redrive: boolean;
  random: () => number;
};

/**
 * How one invocation attempt fails, for reasons outside the handler's code. Either fault really
 * terminates the worker (its effects so far stay done) and the next invocation is a cold start.
 */
export type InvokeFault = {
  /** The invocation times out: the caller sees `Sandbox.Timedout` and the worker is replaced. */
  timeout?: boolean;
  /** The worker process dies mid-invocation: the caller sees `Runtime.ExitError`. */
  crash?: boolean;
  /**
   * Wall-clock milliseconds into the handler's run at which the fault strikes; a handler that ends
   * sooner has its result withheld and the fault strikes then. Default: when the handler ends for a
   * timeout (every effect landed, the response did not), at once for a crash.
   */
  afterMs?: number;
};

/** One DynamoDB API call made by a function, as the fault proxy in front of DynamoDB Local sees it. */
export type DynamoDbCallContext = {
  /** The operation, from `X-Amz-Target` (`PutItem`, `TransactWriteItems`, …). */
  operation: string;
  /** The request's `TableName`, when it has one. */
  tableName?: string;
  random: () => number;
};

/** How one DynamoDB call fails. */
export type DynamoDbFault = {
  /** Answered at once with HTTP 400 `ProvisionedThroughputExceededException`; DynamoDB never sees it. */
  throttle?: boolean;
  /**
   * Forwarded to DynamoDB, which applies it; then the response is lost: answered with HTTP 500
   * `InternalServerError`, or the connection is reset.
   */
  loseResponse?: 'internal-error' | 'reset';
};

/** One PutEvents request to the local bus (from a function, the audit workflow or a client). */
export type PutEventsContext = {
  /** The request's entries, as sent (already checked against the request-level limits). */
  entries: PutEventsRequestEntry[];
  random: () => number;
};

/** How one PutEvents request fails, as EventBridge's own failures look. */
export type PutEventsFault = {
  /** The whole request fails with HTTP 500 `InternalException`; no entry is accepted. */
  fail?: boolean;
  /** The indexes of entries answered `ErrorCode: InternalFailure` in a 200 response, and not accepted. */
  failEntries?: number[];
};

/** The hooks a chaos run plugs into the runtime. Every hook is optional and synchronous. */
export type FaultHooks = {
  /** Called once per (event, rule, target) routing, before the first attempt; copies are not asked again. */
  onDelivery?: (context: DeliveryContext) => DeliveryFault | undefined;
  /** Called before each delivery attempt (first and retries) of a routing or a copy. */
  onDeliveryAttempt?: (context: DeliveryContext & { attempt: number }) => DeliveryAttemptFault | undefined;
  /** Called before each Lambda invocation attempt. */
  onInvoke?: (context: InvokeContext) => InvokeFault | undefined;
  /**
   * Called for each DynamoDB call a function makes. When present, the runtime puts a fault proxy in
   * front of DynamoDB Local and points the workers' `AWS_ENDPOINT_URL_DYNAMODB` at it; the runtime's own
   * clients and the endpoint it reports keep talking to DynamoDB Local directly.
   */
  onDynamoDbCall?: (context: DynamoDbCallContext) => DynamoDbFault | undefined;
  /** Called for each valid PutEvents request to the local bus, before any entry is accepted. */
  onPutEvents?: (context: PutEventsContext) => PutEventsFault | undefined;
  /**
   * Extra environment for a function's workers, over the template's and the runtime's `environment`
   * (e.g. `NODE_OPTIONS=--import <module>` for a fault that only the worker itself can inject). The
   * SDK-level faults need none of it: DynamoDB's are injected by the proxy, PutEvents' by the bus.
   */
  workerEnv?: (fn: LocalFunction) => Record<string, string>;
};
