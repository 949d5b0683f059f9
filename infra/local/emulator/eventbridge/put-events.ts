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
  Time?: number;
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

/** An accepted event, with the name of the bus it was put on. */
export type BusEvent = { bus: string; event: EventEnvelope };

/** The most entries one PutEvents request may carry. */
export const MAX_ENTRIES = 10;
/** The most bytes the entries of one request may total, counted as `entrySize` does. */
export const MAX_ENTRIES_BYTES = 256 * 1024;

/** The deepest nesting of a `Detail` PutEvents processes (API reference: "nested JSON up to 1000 levels"). */
export const MAX_DETAIL_DEPTH = 1000;
/** The range of a JSON integer PutEvents accepts: a signed 64-bit integer. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A request EventBridge rejects as a whole (HTTP 400): `ValidationException` for its limits, and
 * `SerializationException` for a member of the wrong type, which the JSON protocol cannot read.
 */
export class PutEventsValidationError extends Error {
  override name = 'PutEventsValidationError';
  constructor(
    message: string,
    readonly code: 'ValidationException' | 'SerializationException' = 'ValidationException',
  ) {
    super(message);
  }
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
  typed.forEach(checkMemberTypes);
  const total = typed.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (total > MAX_ENTRIES_BYTES) {
    throw new PutEventsValidationError('Total size of the entries in the request is over the limit.');
  }
  return typed as PutEventsRequestEntry[];
};

/**
 * Refuses an entry whose `Time` is not a timestamp (epoch seconds on the wire, as the SDKs and the CLI send
 * it) or whose `Resources` is not a list of strings: the JSON protocol fails the whole request on them.
 */
const checkMemberTypes = (entry: PutEventsRequestEntry, index: number): void => {
  const refuse = (member: string, expected: string) =>
    new PutEventsValidationError(
      `Entries[${index}].${member} is not ${expected}; the request could not be read.`,
      'SerializationException',
    );
  const { Time: time, Resources: resources } = entry as { Time?: unknown; Resources?: unknown };
  if (
    time != null &&
    (typeof time !== 'number' || !Number.isFinite(time) || Math.abs(time) > 253_402_300_799)
  )
    throw refuse('Time', 'a timestamp (seconds since the epoch)');
  if (resources != null && !(Array.isArray(resources) && resources.every((r) => typeof r === 'string')))
    throw refuse('Resources', 'a list of strings');
};

/**
 * Whether a `Detail` text stays within what PutEvents processes: nesting at most `MAX_DETAIL_DEPTH` deep,
 * every integer a signed 64-bit one, every number finite. One pass over the text, outside strings, before
 * `JSON.parse` (which would round a large integer, and overflow its stack on deep nesting).
 */
export const withinDetailLimits = (text: string): boolean => {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{' || c === '[') {
      if (++depth > MAX_DETAIL_DEPTH) return false;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const token = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))?.[0] ?? c;
      if (!numberWithinLimits(token)) return false;
      i += token.length - 1;
    }
  }
  return true;
};

const numberWithinLimits = (token: string): boolean => {
  if (/^-?\d+$/.test(token)) {
    const value = BigInt(token);
    return value >= INT64_MIN && value <= INT64_MAX;
  }
  return token === '-' || Number.isFinite(Number(token));
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
    if (!withinDetailLimits(entry.Detail as string)) throw new Error('beyond what PutEvents processes');
    const detail: unknown = JSON.parse(entry.Detail as string);
    if (typeof detail === 'object' && detail !== null && !Array.isArray(detail)) {
      return { detail: detail as Record<string, unknown> };
    }
  } catch {
    // Not JSON at all, or beyond PutEvents' limits: reported below, like JSON that is not an object.
  }
  return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
};

/** An instant as EventBridge writes `time`: ISO-8601 in UTC, to the second. */
export const formatEventTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

// `Time` was checked by `validatePutEventsRequest`: absent, or epoch seconds.
const entryTime = (time: PutEventsRequestEntry['Time'], now: Date): Date =>
  typeof time === 'number' ? new Date(time * 1000) : now;

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
 * A whole PutEvents call against the local buses named `buses` (the `default` bus among them): the
 * response EventBridge would return, and each accepted envelope with its bus. Entries addressed to any
 * other bus fail with `ResourceNotFoundException`.
 * Throws `PutEventsValidationError` when the request as a whole is refused.
 */
export const putEvents = (
  body: unknown,
  context: EnvelopeContext & { buses: readonly string[] },
): { response: PutEventsResponse; events: BusEvent[] } => {
  const entries = validatePutEventsRequest(body);
  const events: BusEvent[] = [];
  const results = entries.map((entry): PutEventsResultEntry => {
    const checked = checkEntry(entry);
    if (!('detail' in checked)) return checked;
    const bus = busNameOf(entry.EventBusName);
    if (!context.buses.includes(bus)) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
    }
    const envelope = toEnvelope(entry, checked.detail, context);
    events.push({ bus, event: envelope });
    return { EventId: envelope.id };
  });
  return {
    response: { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results },
    events,
  };
};
