/**
 * The dead-letter queues of the template (targets' DLQs and functions' on-failure destinations), what they
 * hold, and the redrive that sends it again.
 */
import type { LocalApp, LocalFunction, LocalRule, LocalTarget } from '../cloud-assembly/model.js';
import type { EventEnvelope } from '../eventbridge/put-events.js';
import type { DestinationRecord } from '../lambda/async-invoke.js';
import type { LocalQueues, QueueMessage } from './queues.js';

/** A message of a dead-letter queue, with what it came from. */
export type DeadLetter = {
  messageId: string;
  /** When it was dead-lettered, in AWS ms since the runtime started (the emulator's clock). */
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

/** The dead-letter queues of the template with their messages (and any other queue that holds dead letters). */
export const listDeadLetters = (app: LocalApp, queues: LocalQueues): DeadLetterQueue[] => {
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

/** How a redrive sends a dead letter again. */
export type RedriveTargets = {
  /** Finds the function a destination record names. */
  functionOf: (functionName: string) => LocalFunction | undefined;
  /** Invokes a function asynchronously again with a destination record's request payload. */
  invokeAsync: (fn: LocalFunction, payload: unknown) => void;
  /** Delivers an event again to the rule target whose DLQ held it. */
  deliver: (event: EventEnvelope, rule: LocalRule, target: LocalTarget) => void;
};

/**
 * Sends every dead letter of one queue (or of all) again, removing each as it is sent; returns how many
 * were sent. Messages whose function or rule target is gone stay where they are.
 */
export const redriveDeadLetters = (
  app: LocalApp,
  queues: LocalQueues,
  queueName: string | undefined,
  targets: RedriveTargets,
): number => {
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
      const fn = targets.functionOf(origin.functionName);
      if (!fn) continue;
      queues.delete(message);
      targets.invokeAsync(fn, (JSON.parse(message.body) as DestinationRecord).requestPayload);
    } else if (origin.kind === 'target-dlq') {
      const rule = app.rules.find((r) => r.name === origin.ruleName);
      const target = rule?.targets.find((t) => t.id === origin.targetId);
      if (!rule || !target) continue;
      queues.delete(message);
      targets.deliver(JSON.parse(message.body) as EventEnvelope, rule, target);
    } else {
      continue;
    }
    redriven++;
  }
  return redriven;
};
