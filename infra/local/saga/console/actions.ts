/** What the console does to a running runtime: redrive dead letters (as `saga dlq redrive`), put a test payload. */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Runtime } from '../../emulator/runtime.js';
import { payloadFiles, readPayload } from '../scenarios.js';
import { storefrontBus } from '../storefront-principal.js';

/**
 * Redrives the dead letters of one queue (or all) and waits for them to run, as `saga dlq redrive` does (a
 * redriven compensation's fact audits its saga again); returns how many were sent and how many are
 * dead-lettered now.
 */
export const redrive = async (runtime: Runtime, queue?: string) => {
  const { redriven } = await runtime.redrive(queue);
  await runtime.idle({ timeoutMs: 120_000 });
  const deadLetters = runtime.deadLetters().reduce((sum, q) => sum + q.messages.length, 0);
  return { redriven, deadLetters };
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
