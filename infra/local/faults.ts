/**
 * The fault-injection seams of the local runtime. The runtime calls these hooks at the points where
 * AWS itself can misbehave (a delivery, a delivery attempt, a Lambda invocation) and honours what they
 * return; it implements no fault of its own. The chaos runs supply the hooks, drawing every decision
 * from the runtime's one seeded random source (passed to each hook), so a run is reproducible.
 */
import type { EventEnvelope } from './eventbridge/put-events.js';
import type { LocalFunction, LocalRule, LocalTarget } from './model.js';

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

/** How one invocation attempt fails, for reasons outside the handler's code. */
export type InvokeFault = {
  /** The invocation times out: the caller sees `Sandbox.Timedout` and the worker is replaced. */
  timeout?: boolean;
  /** The worker process dies mid-invocation: the caller sees `Runtime.ExitError`. */
  crash?: boolean;
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
   * Extra environment for every Lambda worker, e.g. `NODE_OPTIONS=--import <fault module>` with its
   * settings, so that SDK-level faults (DynamoDB throttling, lost responses, PutEvents failures) are
   * injected inside the worker without any branch in the services' code.
   */
  workerEnv?: (fn: LocalFunction) => Record<string, string>;
};
