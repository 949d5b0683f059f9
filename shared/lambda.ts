import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import type { BusinessMetrics } from './business-metrics.js';
import { dynamoDbClient } from './clients.js';
import { EnvNames, requireEnv } from './config.js';
import type { AnyEventDefinition } from './events/index.js';

/** An event that fails its schema. Permanent: retrying cannot fix it, so it must end in the DLQ untouched. */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
  constructor(
    readonly detailType: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(
      `Invalid ${detailType} event: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    );
  }
}

/** The detail of a consumed event, as its schema parses it. */
export type DetailOf<E extends AnyEventDefinition> = z.output<E['detail']>;

/** What the envelope says of a consumed event besides its detail. */
export type Received = {
  /** When the bus accepted the event (its `time`, on EventBridge's clock): the same for every delivery. */
  time: Date;
};

export type ConsumerOptions<E extends AnyEventDefinition> = {
  /** The one event of the contract this handler reacts to. */
  consumes: E;
  /** Applies the event: decide, commit, publish. Throws to be retried. */
  handle: (detail: DetailOf<E>, received: Received) => Promise<void>;
  logger: Logger;
  /** The business metrics the handler records; flushed at the end of every invocation. */
  metrics: BusinessMetrics;
  /** Where idempotency records live; the DynamoDB table of the stack by default. */
  persistenceStore?: BasePersistenceLayer;
};

/** The service's logger; `POWERTOOLS_SERVICE_NAME` and `POWERTOOLS_LOG_LEVEL` come from the function's environment. */
export const createLogger = (serviceName: string) => new Logger({ serviceName });

/** The idempotency store of the stack: its DynamoDB table, named by the function's environment. */
export const defaultPersistenceStore = () =>
  new DynamoDBPersistenceLayer({
    tableName: requireEnv(EnvNames.idempotencyTable),
    awsSdkV3Client: dynamoDbClient,
  });

/** EventBridge retries a delivery for up to 24 hours; a duplicate inside that window must find its record. */
const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;

const orderIdOf = (event: unknown): unknown =>
  (event as { detail?: { orderId?: unknown } } | null)?.detail?.orderId;

/**
 * Wraps one consumer of one event in the habits every handler keeps: the saga's orderId as correlation id
 * on every log line; the event parsed at the edge with its contract schema (an invalid event changes
 * nothing, logs one error naming the failed fields and fails permanently); Powertools idempotency; and
 * the business metrics the use case recorded, flushed once per invocation.
 *
 * The idempotency key is the fact, not the delivery: `[source, detail-type, detail.orderId]`. EventBridge's
 * duplicates share an event id, but a producer that re-publishes after a failed attempt (rule 4) sends the
 * same fact under a new id; keying on who said what about which order dedupes both. Each event of the
 * contract is said at most once per order by its producer, so the key never merges two different facts.
 */
export const createConsumer = <E extends AnyEventDefinition>({
  consumes,
  handle,
  logger,
  metrics,
  persistenceStore = defaultPersistenceStore(),
}: ConsumerOptions<E>) => {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[source, "detail-type", detail.orderId]',
    expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
  });
  const applyOnce = makeIdempotent(
    async (
      _event: { source: string; 'detail-type': string; detail: { orderId: string } },
      detail: DetailOf<E>,
      received: Received,
    ) => {
      await handle(detail, received);
      return { orderId: detail.orderId, handled: consumes.detailType };
    },
    { persistenceStore, config },
  );

  return async (event: unknown, context: Context) => {
    logger.addContext(context);
    logger.setCorrelationId(typeof orderIdOf(event) === 'string' ? orderIdOf(event) : undefined);
    const detail = parseEvent(consumes, event);
    if (!detail.success) {
      logger.error(detail.error.message, { detailType: consumes.detailType, issues: detail.error.issues });
      throw detail.error;
    }
    config.registerLambdaContext(context);
    try {
      // The envelope's `time` passed its schema with the detail.
      const received: Received = { time: new Date((event as { time: string }).time) };
      return await applyOnce(event as Parameters<typeof applyOnce>[0], detail.data, received);
    } finally {
      // A fact committed before a later step failed (a publish) is counted now: its retry will not count it.
      metrics.flush();
    }
  };
};

/**
 * The EventBridge envelope, the fields of Powertools' `EventBridgeSchema`. Written here rather than
 * imported: Powertools' envelope module loads every AWS event schema it knows, built on zod's `{ z }`
 * namespace object, which keeps all of zod (its locales, its JSON Schema code) in every bundle.
 */
const EventBridgeEventSchema = z.object({
  version: z.string(),
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: z.unknown(),
  'replay-name': z.optional(z.string()),
});

/** Parses an EventBridge event as one event of the contract: its source, its detail-type and its detail. */
export const parseEvent = <E extends AnyEventDefinition>(
  consumes: E,
  event: unknown,
): { success: true; data: DetailOf<E> } | { success: false; error: InvalidEventError } => {
  const { source, 'detail-type': detailType } = (event ?? {}) as {
    source?: unknown;
    'detail-type'?: unknown;
  };
  const issues: { path: string; message: string }[] = [];
  if (source !== consumes.source) issues.push({ path: 'source', message: `expected "${consumes.source}"` });
  if (detailType !== consumes.detailType)
    issues.push({ path: 'detail-type', message: `expected "${consumes.detailType}"` });
  const parsed = z.extend(EventBridgeEventSchema, { detail: consumes.detail }).safeParse(event);
  if (parsed.success && issues.length === 0)
    return { success: true, data: parsed.data.detail as DetailOf<E> };
  if (!parsed.success) issues.push(...zodIssues(parsed.error));
  return { success: false, error: new InvalidEventError(consumes.detailType, issues) };
};

/** Field paths and messages of a parse failure, without the values (which may be anything a sender put there). */
const zodIssues = (error: unknown): { path: string; message: string }[] => {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const zodError = cause as { issues?: { path: PropertyKey[]; message: string }[] };
  if (!Array.isArray(zodError.issues))
    return [{ path: '(event)', message: String((error as Error).message) }];
  return zodError.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
};

/**
 * A Lambda entry whose real handler is built on its first invocation and kept for the warm instance.
 * Building it at import would read the environment at import, so merely importing a handler module's
 * `makeHandler` (tests, tools) would fail on a missing variable; on Lambda both happen at cold start.
 */
export const onFirstInvocation = <A extends unknown[], R>(build: () => (...args: A) => R) => {
  let built: ((...args: A) => R) | undefined;
  return (...args: A): R => {
    built ??= build();
    return built(...args);
  };
};
