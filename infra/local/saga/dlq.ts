/**
 * `saga dlq`: the dead letters of a running runtime, and their redrive. A redrive tells how many of the
 * messages it sent came back to a dead-letter queue (a poison message always does), and fails when any did.
 * It audits nothing itself: a redriven compensation publishes its refund, release or void, which audits its
 * saga again.
 */

import type { DeadLetter, DeadLetterQueue } from '../emulator/runtime.js';
import { fittedTable } from './columns.js';
import { eventOfDeadLetter } from './dead-letters.js';
import { localCall } from './local-call.js';
import { out } from './output.js';

/** Column widths of `dlq list`: an order id (a UUID) whole, the rest cut with an ellipsis. */
const WIDTHS = [48, 56, 40, 100];

const listDeadLetters = async (endpoint: string): Promise<DeadLetter[]> => {
  const { queues } = (await localCall(endpoint, 'ListDeadLetters')) as { queues: DeadLetterQueue[] };
  return queues.flatMap((queue) => queue.messages);
};

/** The id of the event a dead letter holds (a destination record's request payload, or the event). */
const eventIdOf = (body: string): string | undefined => {
  try {
    const parsed = JSON.parse(body) as { id?: unknown; requestPayload?: { id?: unknown } };
    const id = parsed.requestPayload?.id ?? parsed.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
};

/** Prints every dead letter, one row each; returns the exit code. */
export const listCommand = async (endpoint: string): Promise<number> => {
  const { queues } = (await localCall(endpoint, 'ListDeadLetters')) as { queues: DeadLetterQueue[] };
  const rows = queues.flatMap((queue) =>
    queue.messages.map(({ from, body, reason }) => [
      queue.queueName,
      from.kind === 'function' ? from.functionName : `${from.ruleName} → ${from.targetId}`,
      eventOfDeadLetter(body).orderId ?? '-',
      reason,
    ]),
  );
  if (rows.length === 0) out('Every dead-letter queue is empty.');
  else for (const line of fittedTable(['queue', 'from', 'order', 'reason'], rows, WIDTHS)) out(line);
  return 0;
};

/**
 * Redrives the dead letters (of one queue, or all), waits for them to run (and for what they set off, the
 * audits their facts start included), and counts those that were dead-lettered again (a new dead letter
 * holding a redriven event). Exits 1 when any was dead-lettered again.
 */
export const redriveCommand = async (endpoint: string, queue: string | undefined): Promise<number> => {
  const before = await listDeadLetters(endpoint);
  const { redriven } = await localCall(endpoint, 'Redrive', { queue });
  out(`Redrove ${String(redriven)} message(s); waiting for them to run`);
  await localCall(endpoint, 'Idle', { timeoutMs: 120_000 });
  const after = await listDeadLetters(endpoint);

  const remaining = new Set(after.map((m) => m.messageId));
  const sent = before.filter((m) => !remaining.has(m.messageId));
  const sentEvents = new Set(sent.map((m) => eventIdOf(m.body)).filter((id) => id !== undefined));
  const known = new Set(before.map((m) => m.messageId));
  const again = after.filter((m) => !known.has(m.messageId) && sentEvents.has(eventIdOf(m.body) ?? ''));

  if (again.length === 0) {
    out(`All ${sent.length} ran; none was dead-lettered again.`);
    return 0;
  }
  out(
    `${again.length} of ${sent.length} dead-lettered again: they fail whenever they run (see \`saga dlq list\`).`,
  );
  return 1;
};
