/** What the console does to a running runtime: redrive dead letters (as `saga dlq redrive`), put a test payload. */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Runtime } from '../../emulator/runtime.js';
import { AUDIT_STATE_MACHINE, auditInputOf } from '../audit-again.js';
import { eventOfDeadLetter } from '../dead-letters.js';
import { payloadFiles, readPayload } from '../scenarios.js';
import { storefrontBus } from '../storefront-principal.js';
import { timelineOf } from '../timeline.js';

/**
 * Redrives the dead letters of one queue (or all), waits for them to run, and audits their ended sagas again,
 * as `saga dlq redrive` does; returns how many were sent and how many are dead-lettered now.
 */
export const redrive = async (runtime: Runtime, queue?: string) => {
  const before = runtime.deadLetters().flatMap((q) => q.messages);
  const { redriven } = await runtime.redrive(queue);
  await runtime.idle({ timeoutMs: 120_000 });
  const remaining = new Set(
    runtime
      .deadLetters()
      .flatMap((q) => q.messages)
      .map((m) => m.messageId),
  );
  const sent = before.filter((m) => !remaining.has(m.messageId));
  const orderIds = new Set(sent.flatMap((m) => eventOfDeadLetter(m.body).orderId ?? []));
  const audited: string[] = [];
  for (const orderId of orderIds) {
    const input = auditInputOf(orderId, timelineOf(runtime.events, orderId));
    if (!input) continue;
    await runtime.startExecution(AUDIT_STATE_MACHINE, input);
    audited.push(orderId);
  }
  return { redriven, audited, deadLetters: remaining.size };
};

/** Thrown for a payload name that is not a file of test/payloads. */
export class UnknownPayloadError extends Error {
  override name = 'UnknownPayloadError';
}

/** Puts one file of test/payloads on the runtime's bus through the AWS SDK as the storefront, as `saga put-events` does. */
export const putPayload = async (runtime: Runtime, file: string) => {
  if (!payloadFiles().includes(file)) throw new UnknownPayloadError(`No payload ${file} in test/payloads`);
  const client = storefrontBus(runtime);
  try {
    const response = await client.send(new PutEventsCommand({ Entries: readPayload(file) }));
    return {
      failed: response.FailedEntryCount ?? 0,
      eventIds: (response.Entries ?? []).flatMap((entry) => entry.EventId ?? []),
    };
  } finally {
    client.destroy();
  }
};
