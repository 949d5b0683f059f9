import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { OutgoingEvent, Source } from './events/index.js';

/** EventBridge's limits on one PutEvents request. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** An event that does not satisfy its own schema: a bug in the producer, never sent. */
export class InvalidOutgoingEventError extends Error {
  override name = 'InvalidOutgoingEventError';
}

/** Some entries were still refused by EventBridge after every attempt. */
export class PublishError extends Error {
  override name = 'PublishError';
  constructor(
    readonly failures: { detailType: string; orderId: string; errorCode: string; errorMessage: string }[],
  ) {
    super(
      `EventBridge refused ${failures.length} event(s) after retrying: ${failures
        .map((f) => `${f.detailType} for order ${f.orderId}: ${f.errorCode} ${f.errorMessage}`)
        .join('; ')}`,
    );
  }
}

export type PublisherOptions = {
  client: EventBridgeClient;
  eventBusName: string;
  /** The producer's own source; it may publish no other (its IAM role could not either). */
  source: Source;
  /** Attempts for entries that EventBridge refuses in a 200 response (`FailedEntryCount > 0`). */
  maxAttempts?: number;
  /** Base of the exponential backoff between attempts, in ms (full jitter). */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
};

export type Publisher = { publish(events: readonly OutgoingEvent[]): Promise<void> };

const byteLength = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));

/** The size EventBridge counts for one entry (Time, Source, DetailType, Detail and Resources, in UTF-8 bytes). */
export const entrySize = (entry: PutEventsRequestEntry): number =>
  (entry.Time ? 14 : 0) +
  byteLength(entry.Source) +
  byteLength(entry.DetailType) +
  byteLength(entry.Detail) +
  (entry.Resources ?? []).reduce((sum, resource) => sum + byteLength(resource), 0);

/** Splits entries into PutEvents requests of at most 10 entries and 256 KiB. */
export const toBatches = (entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] => {
  const batches: PutEventsRequestEntry[][] = [];
  let batch: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (batch.length === PUT_EVENTS_MAX_ENTRIES || bytes + size > PUT_EVENTS_MAX_BYTES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
};

/**
 * The one way services put events on the bus. Every event is validated against its schema and checked
 * against EventBridge's size limit before anything is sent; entries refused in a 200 response are retried
 * with backoff, and what still fails throws, so the handler fails and is retried (rule 4: no lost events).
 */
export const createPublisher = ({
  client,
  eventBusName,
  source,
  maxAttempts = 4,
  backoffMs = 100,
  sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}: PublisherOptions): Publisher => {
  const toEntry = ({ definition, detail }: OutgoingEvent): PutEventsRequestEntry => {
    if (definition.source !== source) {
      throw new InvalidOutgoingEventError(
        `${source} may not publish ${definition.detailType} (source ${definition.source})`,
      );
    }
    const parsed = definition.detail.safeParse(detail);
    if (!parsed.success) {
      const fields = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(detail)'}: ${issue.message}`,
      );
      throw new InvalidOutgoingEventError(
        `${definition.detailType} does not match its schema: ${fields.join('; ')}`,
      );
    }
    const entry = {
      EventBusName: eventBusName,
      Source: source,
      DetailType: definition.detailType,
      Detail: JSON.stringify(parsed.data),
    };
    if (entrySize(entry) > PUT_EVENTS_MAX_BYTES) {
      throw new InvalidOutgoingEventError(
        `${definition.detailType} is ${entrySize(entry)} bytes, over EventBridge's 256 KiB`,
      );
    }
    return entry;
  };

  const send = async (batch: PutEventsRequestEntry[]) => {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      const response = await client.send(new PutEventsCommand({ Entries: pending }));
      const results = response.Entries ?? [];
      const failed = pending
        .map((entry, index) => ({ entry, result: results[index] }))
        .filter(
          ({ result }) => (response.FailedEntryCount ?? 0) > 0 && (result === undefined || result.ErrorCode),
        );
      if (failed.length === 0) return;
      if (attempt >= maxAttempts) {
        throw new PublishError(
          failed.map(({ entry, result }) => ({
            detailType: entry.DetailType ?? '',
            orderId: (JSON.parse(entry.Detail ?? '{}') as { orderId?: string }).orderId ?? '',
            errorCode: result?.ErrorCode ?? 'MissingResult',
            errorMessage: result?.ErrorMessage ?? 'no result returned for this entry',
          })),
        );
      }
      pending = failed.map(({ entry }) => entry);
      await sleep(Math.random() * backoffMs * 2 ** (attempt - 1));
    }
  };

  return {
    async publish(events) {
      const entries = events.map(toEntry);
      for (const batch of toBatches(entries)) await send(batch);
    },
  };
};
