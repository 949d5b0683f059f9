/**
 * EventBridge's delivery of an event to the targets of the rules it matches: asynchronous, at least
 * once, in no particular order; each target's input computed from the event; a failed delivery retried
 * under the target's retry policy with exponential backoff and jitter (on the emulator's clock), then
 * sent to the target's dead-letter queue with the attributes EventBridge sets. Errors that retrying
 * cannot fix (the target does not exist, IAM denies the delivery) go to the DLQ at once, as the EventBridge
 * user guide says; a DLQ whose policy does not let EventBridge send to it loses the event.
 * Each copy of a delivery is one activity of the clock, from its routing to its handing over (its latency,
 * real milliseconds, is part of its work) or its dead letter; its retries are sleeps of that activity.
 */

import { type DeliveryDenial, invokeByRule, sendByRule, startExecutionByRule } from '../access/deliveries.js';
import type { Activity } from '../clock.js';
import { functionOf, ruleArnOf, stateMachineOf } from '../cloud-assembly/lookup.js';
import type { LocalRule, LocalStateMachine, LocalTarget } from '../cloud-assembly/model.js';
import type { EmulatorContext } from '../context.js';
import type { DeliveryContext } from '../fault-hooks.js';
import type { InvokeAsync } from '../lambda/async-invoke.js';
import { exponentialBackoff, scheduleRetry } from '../retry.js';
import { targetInput } from './input-transform.js';
import type { EventEnvelope } from './put-events.js';

/** Where work comes from: a schedule's work (`background`) does not keep the runtime from being quiet. */
export type WorkOrigin = { background?: boolean };

/** Starts an Express execution; the promise settles when the execution ends. */
export type StartExecution = (
  stateMachine: LocalStateMachine,
  input: unknown,
  origin?: WorkOrigin,
) => Promise<unknown>;

/** Why a delivery attempt failed. */
export class DeliveryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** False for errors a retry cannot fix: the event goes to the DLQ at once. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The first wait before a delivery retry, and the most any wait grows to (AWS time). */
export const DELIVERY_BACKOFF = { baseMs: 1_000, maxMs: 300_000 } as const;

/** Delivers an event to one target of one rule (returns at once; the delivery runs in flight). */
export type Deliver = (
  event: EventEnvelope,
  rule: LocalRule,
  target: LocalTarget,
  options?: { redrive?: boolean } & WorkOrigin,
) => void;

type Targets = { invokeAsync: InvokeAsync; startExecution: StartExecution };

const parseInput = (text: string, code: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new DeliveryError(code, `The target input is not valid JSON: ${text.slice(0, 200)}`, false);
  }
};

/** Throws the denial of a delivery IAM refuses: EventBridge does not retry it. */
const refuse = (denial: DeliveryDenial | undefined): void => {
  if (denial) throw new DeliveryError(denial.code, denial.message, false);
};

/** Starts an execution of a state machine target, tracked; a failed execution is counted and logged. */
const startTracked = (
  emulator: EmulatorContext,
  targets: Targets,
  { rule, target }: Pick<DeliveryContext, 'rule' | 'target'>,
  input: string,
  origin: WorkOrigin,
): void => {
  const { app, inFlight, stats, log, access } = emulator;
  const stateMachine = stateMachineOf(app, target.arn);
  if (!stateMachine) {
    throw new DeliveryError(
      'StateMachineDoesNotExist',
      `State Machine Does Not Exist: '${target.arn}'`,
      false,
    );
  }
  const asRule = { arn: ruleArnOf(app, rule), name: rule.name, roleArn: target.roleArn };
  refuse(startExecutionByRule(access, app, asRule, stateMachine.arn));
  const executionInput = parseInput(input, 'InvalidExecutionInput');
  stats.executions++;
  void inFlight.track(`execution of ${stateMachine.name}`, async () => {
    try {
      await targets.startExecution(stateMachine, executionInput, origin);
    } catch (error) {
      stats.executionsFailed++;
      log(`${stateMachine.name}: execution failed: ${(error as Error).message ?? String(error)}`);
    }
  });
};

/** One attempt: hand the event's input to the target, or throw a `DeliveryError`. */
const hand = (
  emulator: EmulatorContext,
  targets: Targets,
  context: DeliveryContext,
  attempt: number,
  origin: WorkOrigin,
): void => {
  const { app, faults, queues, access } = emulator;
  const { event, rule, target } = context;
  const fault = faults.onDeliveryAttempt?.({ ...context, attempt })?.fail;
  if (fault === 'throttled') throw new DeliveryError('ThrottlingException', 'Rate exceeded', true);
  if (fault === 'internal') throw new DeliveryError('InternalException', 'Internal failure', true);
  const ruleArn = ruleArnOf(app, rule);
  const input = targetInput(target, event, { ruleArn, ruleName: rule.name, ingestionTime: event.time });
  switch (target.kind) {
    case 'lambda': {
      const fn = functionOf(app, target.arn);
      if (!fn)
        throw new DeliveryError('ResourceNotFoundException', `Function not found: ${target.arn}`, false);
      refuse(invokeByRule(access, app, ruleArn, fn.arn));
      targets.invokeAsync(fn, parseInput(input, 'InvalidRequestContentException'), {
        redrive: context.redrive,
        ...origin,
      });
      return;
    }
    case 'states':
      startTracked(emulator, targets, context, input, origin);
      return;
    case 'sqs': {
      if (!queues.queueOf(target.arn)) {
        throw new DeliveryError(
          'AWS.SimpleQueueService.NonExistentQueue',
          `Queue not found: ${target.arn}`,
          false,
        );
      }
      refuse(sendByRule(access, app, ruleArn, target.arn));
      queues.send(target.arn, input, {}, { kind: 'target', ruleName: rule.name, targetId: target.id });
      return;
    }
    default:
      throw new DeliveryError(
        'UnsupportedTarget',
        `The local runtime cannot deliver to ${target.arn} (only Lambda, Step Functions and SQS targets)`,
        false,
      );
  }
};

/**
 * Gives up a delivery: to the target's DLQ with EventBridge's attributes, or lost when it has none or its
 * policy does not let EventBridge send to it.
 */
const deadLetter = (
  emulator: EmulatorContext,
  context: DeliveryContext,
  error: DeliveryError,
  attempts: number,
  exhausted?: 'MaximumRetryAttempts' | 'MaximumEventAge',
): void => {
  const { app, queues, stats, log, metrics, access } = emulator;
  const { event, rule, target } = context;
  const where = `${rule.name}/${target.id}`;
  const lost = (why: string, outcome: 'lost' | 'dlq-refused' = 'lost') => {
    stats.lost++;
    metrics.targetInvoked(rule, outcome);
    log(
      `${where}: ${event['detail-type']} ${event.id} given up after ${attempts} attempt(s) and lost (${error.code}): ${why}`,
    );
  };
  if (target.deadLetterArn === undefined || !queues.queueOf(target.deadLetterArn)) {
    lost('no DLQ');
    return;
  }
  const denied = sendByRule(access, app, ruleArnOf(app, rule), target.deadLetterArn);
  if (denied) {
    lost(`its DLQ's policy does not let EventBridge send to it (${denied.message})`, 'dlq-refused');
    return;
  }
  queues.send(
    target.deadLetterArn,
    JSON.stringify(event),
    {
      ERROR_CODE: error.code,
      ERROR_MESSAGE: error.message,
      ...(exhausted && { EXHAUSTED_RETRY_CONDITION: exhausted }),
      RETRY_ATTEMPTS: String(attempts - 1),
      RULE_ARN: ruleArnOf(app, rule),
      TARGET_ARN: target.arn,
    },
    { kind: 'target-dlq', ruleName: rule.name, targetId: target.id },
  );
  stats.deadLettered++;
  metrics.targetInvoked(rule, 'dead-lettered');
  log(`${where}: ${event['detail-type']} ${event.id} sent to the target's DLQ (${error.code})`);
};

/** One copy of a delivery: its activity on the clock, when its event was accepted, where it comes from. */
type Copy = { activity: Activity; acceptedAt: number; origin: WorkOrigin };

/** The delivery machinery, over the ways to reach each kind of target. */
export const createDelivery = (emulator: EmulatorContext, targets: Targets, jitterMs: number): Deliver => {
  const { clock, inFlight, stats, faults, random, metrics } = emulator;

  /** The attempts of one copy, from the first to success or the DLQ. */
  const run = (context: DeliveryContext, label: string, copy: Copy, attempt: number): void => {
    const { activity } = copy;
    try {
      hand(emulator, targets, context, attempt, copy.origin);
      stats.deliveries++;
      metrics.targetInvoked(context.rule, 'delivered');
      activity.end();
      return;
    } catch (caught) {
      const error =
        caught instanceof DeliveryError
          ? caught
          : new DeliveryError('InternalException', (caught as Error).message ?? String(caught), false);
      stats.deliveryFailures++;
      const { retryPolicy } = context.target;
      if (!error.retryable || attempt > retryPolicy.maximumRetryAttempts) {
        deadLetter(emulator, context, error, attempt, error.retryable ? 'MaximumRetryAttempts' : undefined);
        activity.end();
        return;
      }
      scheduleRetry(emulator, activity, {
        label,
        attempt,
        delayMs: exponentialBackoff(attempt, DELIVERY_BACKOFF, random),
        acceptedAt: copy.acceptedAt,
        maxAgeMs: retryPolicy.maximumEventAgeInSeconds * 1000,
        giveUp: () => {
          deadLetter(emulator, context, error, attempt, 'MaximumEventAge');
          activity.end();
        },
        retry: () => {
          stats.deliveryRetries++;
          stats.retries++;
          run(context, label, copy, attempt + 1);
        },
      });
    }
  };

  return (event, rule, target, { redrive = false, background = false } = {}) => {
    stats.routed++;
    const context: DeliveryContext = { event, rule, target, redrive, random };
    const fate = faults.onDelivery?.(context) ?? {};
    if (fate.drop) {
      stats.dropped++;
      return;
    }
    const copies = 1 + Math.max(0, Math.floor(fate.duplicate ?? 0));
    stats.duplicates += copies - 1;
    const label = `delivery of ${event['detail-type']} ${event.id} to ${rule.name}/${target.id}`;
    const acceptedAt = clock.now();
    for (let copy = 0; copy < copies; copy++) {
      const end = inFlight.begin(label);
      // A held delivery is not work the clock waits for until it is let go: as late as EventBridge may be.
      const start = () => {
        const activity = clock.activity({ background });
        clock.afterReal((fate.delayMs ?? 0) + random() * jitterMs, () => {
          run(context, label, { activity, acceptedAt, origin: { background } }, 1);
          end();
        });
      };
      if (fate.hold) fate.hold.then(start, start);
      else start();
    }
  };
};
