/**
 * The AWS service metrics the emulator knows of itself, named and dimensioned as each service publishes
 * them: Lambda's per function, EventBridge's per rule, Step Functions' per state machine and SQS's per
 * queue. The emulator reports facts here (an invocation ended, a rule matched); it does not need to know
 * which alarms watch them.
 */
import { busNameOf } from '../arns.js';
import type { LocalFunction, LocalRule, LocalStateMachine } from '../cloud-assembly/model.js';

/** Records one datapoint, at the current time. */
export type PutMetric = (
  namespace: string,
  metricName: string,
  dimensions: Record<string, string>,
  value: number,
  unit?: string,
) => void;

/** How an execution ended, as Step Functions counts it. */
export type ExecutionOutcome = 'succeeded' | 'failed' | 'timedOut';

/** The facts the emulator reports as service metrics. */
export type ServiceMetrics = {
  /** One invocation attempt of a function ended, successfully or not (Lambda counts each retry). */
  invoked(fn: LocalFunction, failed: boolean): void;
  /** An event matched a rule (counted once per event, whatever the rule's targets). */
  ruleMatched(rule: LocalRule): void;
  /** A rule's target was invoked, or failed for good: into its DLQ, or lost with nowhere to go. */
  targetInvoked(rule: LocalRule, outcome: TargetOutcome): void;
  /** An execution of a state machine ended. */
  executionEnded(stateMachine: LocalStateMachine, outcome: ExecutionOutcome): void;
  /** A queue's depth and the age of its oldest message (seconds of AWS time), as sampled now. */
  queueSampled(queueName: string, visible: number, oldestAgeSeconds: number): void;
};

/**
 * What became of an event for a rule target: delivered, parked in the target's DLQ, lost (no DLQ), or lost
 * because the DLQ's policy refused it (`InvocationsFailedToBeSentToDlq`).
 */
export type TargetOutcome = 'delivered' | 'dead-lettered' | 'lost' | 'dlq-refused';

const EXECUTION_METRICS: Record<ExecutionOutcome, string> = {
  succeeded: 'ExecutionsSucceeded',
  failed: 'ExecutionsFailed',
  timedOut: 'ExecutionsTimedOut',
};

/** A rule's dimensions: rules of a custom bus are also named by their bus. */
const ruleDimensions = (rule: LocalRule): Record<string, string> => {
  const bus = busNameOf(rule.eventBusName);
  return bus === 'default' ? { RuleName: rule.name } : { EventBusName: bus, RuleName: rule.name };
};

/** The service metrics, written through `put`. */
export const serviceMetrics = (put: PutMetric): ServiceMetrics => ({
  invoked: (fn, failed) => {
    const dimensions = { FunctionName: fn.functionName };
    put('AWS/Lambda', 'Invocations', dimensions, 1, 'Count');
    put('AWS/Lambda', 'Errors', dimensions, failed ? 1 : 0, 'Count');
    // The local pool queues an invocation rather than refuse it: nothing is ever throttled.
    put('AWS/Lambda', 'Throttles', dimensions, 0, 'Count');
  },
  ruleMatched: (rule) => put('AWS/Events', 'MatchedEvents', ruleDimensions(rule), 1, 'Count'),
  targetInvoked: (rule, outcome) => {
    const dimensions = ruleDimensions(rule);
    put('AWS/Events', 'Invocations', dimensions, 1, 'Count');
    if (outcome === 'dead-lettered') put('AWS/Events', 'InvocationsSentToDlq', dimensions, 1, 'Count');
    // EventBridge counts as failed only what it could neither deliver nor park in a DLQ.
    if (outcome === 'lost' || outcome === 'dlq-refused')
      put('AWS/Events', 'FailedInvocations', dimensions, 1, 'Count');
    if (outcome === 'dlq-refused')
      put('AWS/Events', 'InvocationsFailedToBeSentToDlq', dimensions, 1, 'Count');
  },
  executionEnded: (stateMachine, outcome) => {
    const dimensions = { StateMachineArn: stateMachine.arn };
    for (const [kind, metricName] of Object.entries(EXECUTION_METRICS)) {
      put('AWS/States', metricName, dimensions, kind === outcome ? 1 : 0, 'Count');
    }
  },
  queueSampled: (queueName, visible, oldestAgeSeconds) => {
    const dimensions = { QueueName: queueName };
    put('AWS/SQS', 'ApproximateNumberOfMessagesVisible', dimensions, visible, 'Count');
    put('AWS/SQS', 'ApproximateAgeOfOldestMessage', dimensions, oldestAgeSeconds, 'Seconds');
  },
});

/** Wraps an invocation attempt so that each one counts in Lambda's metrics (a rejection is an error). */
export const countingInvocations =
  <A extends unknown[], O extends { ok: boolean }>(
    metrics: ServiceMetrics,
    attempt: (fn: LocalFunction, ...args: A) => Promise<O>,
  ) =>
  async (fn: LocalFunction, ...args: A): Promise<O> => {
    try {
      const outcome = await attempt(fn, ...args);
      metrics.invoked(fn, !outcome.ok);
      return outcome;
    } catch (error) {
      metrics.invoked(fn, true);
      throw error;
    }
  };

/** Wraps an execution so that its end counts in Step Functions' metrics (`States.Timeout` as timed out). */
export const countingExecutions =
  <I>(metrics: ServiceMetrics, execute: (stateMachine: LocalStateMachine, input: I) => Promise<unknown>) =>
  async (stateMachine: LocalStateMachine, input: I): Promise<unknown> => {
    try {
      const output = await execute(stateMachine, input);
      metrics.executionEnded(stateMachine, 'succeeded');
      return output;
    } catch (error) {
      const timedOut = (error as { error?: unknown }).error === 'States.Timeout';
      metrics.executionEnded(stateMachine, timedOut ? 'timedOut' : 'failed');
      throw error;
    }
  };
