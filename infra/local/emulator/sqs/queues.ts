/**
 * The template's SQS queues, held in memory: the targets' dead-letter queues and the functions'
 * on-failure destinations. Each message keeps, besides its body and attributes, where it came from, so
 * that a redrive can send it back to the same rule target or function.
 */
import { randomUUID } from 'node:crypto';
import type { LocalQueue } from '../cloud-assembly/model.js';

/** Where a message came from. */
export type MessageOrigin =
  /** An on-failure destination record of a function's asynchronous invocation. */
  | { kind: 'destination'; functionName: string }
  /** An event a rule target could not be given (the target's DeadLetterConfig). */
  | { kind: 'target-dlq'; ruleName: string; targetId: string }
  /** An event delivered to a rule target that is a queue. */
  | { kind: 'target'; ruleName: string; targetId: string };

/** A message in a local queue. */
export type QueueMessage = {
  messageId: string;
  queueName: string;
  body: string;
  /** SQS message attributes (string-valued), e.g. the ones EventBridge sets on a dead letter. */
  attributes: Record<string, string>;
  /** When it was sent, in ms since the runtime started. */
  sentAt: number;
  origin: MessageOrigin;
};

/** The local queues of the template. */
export class LocalQueues {
  private readonly byArn = new Map<string, LocalQueue>();
  private readonly messages = new Map<string, QueueMessage[]>();
  private readonly listeners = new Set<(queueName: string) => void>();

  constructor(
    queues: LocalQueue[],
    private readonly now: () => number,
  ) {
    for (const queue of queues) {
      this.byArn.set(queue.arn, queue);
      this.messages.set(queue.queueName, []);
    }
  }

  /** Calls `listener` with a queue's name after each message sent to it or deleted from it. */
  onChange(listener: (queueName: string) => void): void {
    this.listeners.add(listener);
  }

  private changed(queueName: string): void {
    for (const listener of this.listeners) listener(queueName);
  }

  /** The queue with this ARN, or undefined when the template declares none. */
  queueOf(arn: string): LocalQueue | undefined {
    return this.byArn.get(arn);
  }

  /** The queue a user names by its name, logical id, ARN or URL. */
  find(name: string): LocalQueue | undefined {
    return [...this.byArn.values()].find((q) => [q.queueName, q.logicalId, q.arn, q.url].includes(name));
  }

  /** Sends a message to the queue with this ARN; throws when there is none. */
  send(arn: string, body: string, attributes: Record<string, string>, origin: MessageOrigin): QueueMessage {
    const queue = this.byArn.get(arn);
    if (!queue) throw new Error(`Queue ${arn} does not exist in the template`);
    const message: QueueMessage = {
      messageId: randomUUID(),
      queueName: queue.queueName,
      body,
      attributes,
      sentAt: this.now(),
      origin,
    };
    this.messages.get(queue.queueName)?.push(message);
    this.changed(queue.queueName);
    return message;
  }

  /** The messages of one queue (by name), oldest first, or of every queue. */
  list(queueName?: string): QueueMessage[] {
    if (queueName !== undefined) return [...(this.messages.get(queueName) ?? [])];
    return [...this.messages.values()].flat();
  }

  /** Deletes a message; false when it was already gone. */
  delete(message: QueueMessage): boolean {
    const list = this.messages.get(message.queueName);
    const index = list?.findIndex((m) => m.messageId === message.messageId) ?? -1;
    if (index === -1) return false;
    list?.splice(index, 1);
    this.changed(message.queueName);
    return true;
  }
}
