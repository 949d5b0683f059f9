/**
 * PutEvents as EventBridge validates it: the request-level limits, the per-entry checks that surface
 * as `ErrorCode`/`ErrorMessage` in a 200 response, and the envelope delivered to targets.
 */

import { randomUUID } from 'node:crypto';
import { busNameOf } from '../arns.js';

/** An entry of a PutEvents request, as it arrives on the wire (JSON 1.1; `Time` in epoch seconds). */
export type PutEventsRequestEntry = {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  EventBusName?: string;
  Time?: number | string;
  TraceHeader?: string;
};

/** The outcome of one entry: its event id, or why EventBridge refused it. */
export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** The body of a PutEvents response. */
export type PutEventsResponse = { FailedEntryCount: number; Entries: PutEventsResultEntry[] };

/** The event EventBridge delivers to a rule's targets. */
export type EventEnvelope = {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
};

/** The most entries one PutEvents request may carry. */
export const MAX_ENTRIES = 10;
/** The most bytes the entries of one request may total, counted as `entrySize` does. */
export const MAX_ENTRIES_BYTES = 256 * 1024;

/** A request EventBridge rejects as a whole (HTTP 400 `ValidationException`). */
export class PutEventsValidationError extends Error {
  override name = 'PutEventsValidationError';
  readonly code = 'ValidationException';
}

const utf8 = (text: unknown) => (typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : 0);

/**
 * The size EventBridge counts for an entry: 14 bytes for `Time` if given, plus the UTF-8 bytes of
 * `Source`, `DetailType`, `Detail` and each of `Resources`.
 */
export const entrySize = (entry: PutEventsRequestEntry): number =>
  (entry.Time != null ? 14 : 0) +
  utf8(entry.Source) +
  utf8(entry.DetailType) +
  utf8(entry.Detail) +
  (Array.isArray(entry.Resources) ? entry.Resources : []).reduce((sum, r) => sum + utf8(r), 0);

/**
 * The entries of a PutEvents request body, or a `PutEventsValidationError` if the request as a whole
 * breaks EventBridge's limits: 1 to 10 entries, totalling at most 256 KiB.
 */
export const validatePutEventsRequest = (body: unknown): PutEventsRequestEntry[] => {
  const entries = (body as { Entries?: unknown } | null)?.Entries;
  const refuse = (value: string, constraint: string) =>
    new PutEventsValidationError(
      `1 validation error detected: Value ${value} at 'entries' failed to satisfy constraint: ${constraint}`,
    );
  if (!Array.isArray(entries)) throw refuse('null', 'Member must not be null');
  const listed = `'[${entries.map(() => 'PutEventsRequestEntry').join(', ')}]'`;
  if (entries.length < 1) throw refuse(listed, 'Member must have length greater than or equal to 1');
  if (entries.length > MAX_ENTRIES) {
    throw refuse(listed, `Member must have length less than or equal to ${MAX_ENTRIES}`);
  }
  const typed = entries.map((entry) => (typeof entry === 'object' && entry !== null ? entry : {}));
  const total = typed.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (total > MAX_ENTRIES_BYTES) {
    throw new PutEventsValidationError('Total size of the entries in the request is over the limit.');
  }
  return typed as PutEventsRequestEntry[];
};

const invalidArgument = (parameter: string) => ({
  ErrorCode: 'InvalidArgument',
  ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${parameter} is a required argument.`,
});

const isBlank = (value: unknown) => typeof value !== 'string' || value.trim() === '';

/**
 * Checks one entry as EventBridge does: `Source`, `DetailType` and `Detail` are required, and
 * `Detail` must be a JSON object. Returns the parsed detail, or the entry's error.
 */
export const checkEntry = (
  entry: PutEventsRequestEntry,
): { detail: Record<string, unknown> } | { ErrorCode: string; ErrorMessage: string } => {
  if (isBlank(entry.Source)) return invalidArgument('Source');
  if (isBlank(entry.DetailType)) return invalidArgument('DetailType');
  if (isBlank(entry.Detail)) return invalidArgument('Detail');
  try {
    const detail: unknown = JSON.parse(entry.Detail as string);
    if (typeof detail === 'object' && detail !== null && !Array.isArray(detail)) {
      return { detail: detail as Record<string, unknown> };
    }
  } catch {
    // Not JSON at all: reported below, exactly like JSON that is not an object.
  }
  return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
};

/** An instant as EventBridge writes `time`: ISO-8601 in UTC, to the second. */
export const formatEventTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

const entryTime = (time: PutEventsRequestEntry['Time'], now: Date): Date => {
  if (time === undefined || time === null) return now;
  const date = typeof time === 'number' ? new Date(time * 1000) : new Date(time);
  return Number.isNaN(date.getTime()) ? now : date;
};

/** Where an envelope is created: the account and region it carries, with an id source and a clock. */
export type EnvelopeContext = {
  account: string;
  region: string;
  newId?: () => string;
  now?: () => Date;
};

/** The event EventBridge delivers for an accepted entry (whose `Detail` parsed to `detail`). */
export const toEnvelope = (
  entry: PutEventsRequestEntry,
  detail: Record<string, unknown>,
  { account, region, newId = randomUUID, now = () => new Date() }: EnvelopeContext,
): EventEnvelope => ({
  version: '0',
  id: newId(),
  'detail-type': entry.DetailType as string,
  source: entry.Source as string,
  account,
  time: formatEventTime(entryTime(entry.Time, now())),
  region,
  resources: Array.isArray(entry.Resources) ? [...entry.Resources] : [],
  detail,
});

/**
 * A whole PutEvents call against a local bus named `busName`: the response EventBridge would return,
 * and the envelopes to deliver. Entries addressed to `default` while a custom bus is served are
 * accepted and not delivered, as on AWS where the default bus exists but carries none of the rules.
 * Entries addressed to any other bus fail with `ResourceNotFoundException`.
 * Throws `PutEventsValidationError` when the request as a whole is refused.
 */
export const putEvents = (
  body: unknown,
  context: EnvelopeContext & { busName: string },
): { response: PutEventsResponse; events: EventEnvelope[] } => {
  const entries = validatePutEventsRequest(body);
  const events: EventEnvelope[] = [];
  const results = entries.map((entry): PutEventsResultEntry => {
    const checked = checkEntry(entry);
    if (!('detail' in checked)) return checked;
    const bus = busNameOf(entry.EventBusName);
    if (bus !== context.busName && bus !== 'default') {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
    }
    const envelope = toEnvelope(entry, checked.detail, context);
    if (bus === context.busName) events.push(envelope);
    return { EventId: envelope.id };
  });
  return {
    response: { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results },
    events,
  };
};
