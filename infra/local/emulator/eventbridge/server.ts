/**
 * The local bus's EventBridge API: the JSON 1.1 protocol over HTTP on loopback, so the AWS SDK and the
 * AWS CLI work against it with an endpoint override. It validates and accepts events, answers pattern
 * tests and describes the rules it was given; matching events to rules and delivering them is the
 * runtime's job, behind `onEvents`, and deciding who may put events is IAM's, behind `authorize`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessKeyOf } from '../access/credentials.js';
import { busNameOf, ruleArn } from '../arns.js';
import type { PutEventsContext, PutEventsFault } from '../fault-hooks.js';
import { EventBridgeApiError } from './api-error.js';
import { InvalidEventPatternError, matchesPattern, validatePattern } from './pattern.js';
import {
  type BusEvent,
  type EventEnvelope,
  type PutEventsRequestEntry,
  PutEventsValidationError,
  putEvents,
  validatePutEventsRequest,
} from './put-events.js';

/** A rule of the template, as the local bus knows it. */
export type BusRule = {
  name: string;
  eventBusName: string;
  eventPattern: unknown;
  state: 'ENABLED' | 'DISABLED';
  targets: { id: string; arn: string }[];
};

/** How to start the local EventBridge API. */
export type EventBridgeServerOptions = {
  /** The port to listen on; 0 or absent for a free one. */
  port?: number;
  host?: '127.0.0.1';
  /** The custom buses this server stands for; the `default` bus is served too. */
  buses: readonly string[];
  rules: BusRule[];
  /**
   * Receives the envelopes of the entries accepted for one bus, once per bus a request put events on; a
   * throw fails the request (HTTP 500).
   */
  onEvents: (events: EventEnvelope[], bus: string) => void;
  /**
   * Fault injection: asked once per valid PutEvents request, before anything is accepted. It may fail
   * the request (HTTP 500 `InternalException`) or some of its entries (`InternalFailure` in a 200).
   */
  onPutEvents?: (context: Omit<PutEventsContext, 'random'>) => PutEventsFault | undefined;
  account: string;
  region: string;
  /** The clock of the `time` of an accepted entry that sets none (AWS time). Default: the wall clock. */
  now?: () => Date;
  /**
   * Operations of the local runtime itself, served as `X-Amz-Target: LocalRuntime.<name>` with the JSON
   * body as input and the resolved value as the JSON response (for a CLI in another process).
   */
  localOperations?: Record<string, (body: unknown) => Promise<unknown>>;
  /** More EventBridge operations, served as `X-Amz-Target: AWSEvents.<name>` (the archives' and replays'). */
  moreOperations?: Record<string, (input: Record<string, unknown>) => unknown>;
  /**
   * Authorizes a PutEvents call once its request passes EventBridge's limits, before any entry is accepted:
   * the message of the `AccessDeniedException` that fails the whole call, or undefined to let it through.
   */
  authorize?: (call: PutEventsCall) => string | undefined;
};

/** A PutEvents call as the bus authorizes it: the access key that signed it, and its entries. */
export type PutEventsCall = { accessKeyId: string | undefined; entries: PutEventsRequestEntry[] };

/** A running local EventBridge API. */
export type EventBridgeServer = { url: string; port: number; close(): Promise<void> };

/** An error the API reports as EventBridge does: `{ "__type", "message" }` with an HTTP status. */
class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const TARGET_PREFIX = 'AWSEvents.';
const LOCAL_TARGET_PREFIX = 'LocalRuntime.';
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const DEFAULT_PAGE = 100;
/** The longest `EventPattern` the API takes (its length constraint; a rule's default quota is 2048). */
const MAX_PATTERN_LENGTH = 4096;

type Input = Record<string, unknown>;
/** Who calls: the access key id of the request's SigV4 signature, if it is signed. */
type Caller = { accessKeyId: string | undefined };
type Operation = (input: Input, caller: Caller) => unknown;

const patternText = (pattern: unknown) =>
  pattern === undefined ? undefined : typeof pattern === 'string' ? pattern : JSON.stringify(pattern);

/** A rule's pattern as an object: the template may hold it as an object or as JSON text. */
const patternOf = (pattern: unknown): unknown => {
  if (typeof pattern !== 'string') return pattern;
  try {
    return JSON.parse(pattern);
  } catch {
    throw new InvalidEventPatternError('Event pattern is not valid JSON');
  }
};

/** A page of `items` as the List* operations return them: `Limit` items from the offset in `NextToken`. */
const page = <T>(items: T[], input: Input): { items: T[]; NextToken?: string } => {
  const start = Number(input.NextToken ?? 0) || 0;
  const limit = typeof input.Limit === 'number' && input.Limit > 0 ? input.Limit : DEFAULT_PAGE;
  const end = start + limit;
  return { items: items.slice(start, end), ...(end < items.length ? { NextToken: String(end) } : {}) };
};

/** The fields TestEventPattern requires of its event, per the API reference. */
const REQUIRED_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'];

/** The buses the server stands for: `default`, the custom ones, and those its rules are on. */
const servedBuses = (options: EventBridgeServerOptions): string[] =>
  [...new Set(['default', ...options.buses, ...options.rules.map((r) => busNameOf(r.eventBusName))])].sort();

/** Hands the accepted events to `onEvents`, one call per bus, in the order of the request. */
const handOn = (options: EventBridgeServerOptions, accepted: BusEvent[]) => {
  const byBus = new Map<string, EventEnvelope[]>();
  for (const { bus, event } of accepted) byBus.set(bus, [...(byBus.get(bus) ?? []), event]);
  for (const [bus, events] of byBus) options.onEvents(events, bus);
};

/**
 * PutEvents: validates the request, has it authorized, lets the fault hook fail it or some entries, and hands
 * on the accepted events.
 */
const putEventsOperation = (options: EventBridgeServerOptions, input: Input, { accessKeyId }: Caller) => {
  const { account, region } = options;
  const requested = validatePutEventsRequest(input);
  const denied = options.authorize?.({ accessKeyId, entries: requested });
  if (denied !== undefined) throw new ApiError('AccessDeniedException', denied);
  const fault = options.onPutEvents?.({ entries: requested });
  if (fault?.fail) throw new ApiError('InternalException', 'Internal service error.', 500);
  const { response, events } = putEvents(input, {
    account,
    region,
    buses: servedBuses(options),
    ...(options.now && { now: options.now }),
  });
  const failing = new Set(fault?.failEntries ?? []);
  if (failing.size === 0) {
    handOn(options, events);
    return response;
  }
  // An entry failed by the fault is not accepted: it gets no event id and is not delivered.
  const refused = new Set<string>();
  const entries = response.Entries.map((entry, index) => {
    if (!failing.has(index) || !('EventId' in entry)) return entry;
    refused.add(entry.EventId);
    return { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal Failure' };
  });
  handOn(
    options,
    events.filter(({ event }) => !refused.has(event.id)),
  );
  return {
    FailedEntryCount: entries.filter((entry) => 'ErrorCode' in entry).length,
    Entries: entries,
  };
};

/** TestEventPattern: the API's length constraint, the pattern's validity and complexity, the event's fields. */
const testEventPattern = (input: Input) => {
  const text = String(input.EventPattern);
  if (text.length > MAX_PATTERN_LENGTH) {
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PATTERN_LENGTH}`,
    );
  }
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
    validatePattern(pattern);
  } catch (error) {
    throw new ApiError(
      'InvalidEventPatternException',
      `Event pattern is not valid. Reason: ${(error as Error).message}`,
    );
  }
  let event: unknown;
  try {
    event = JSON.parse(String(input.Event));
  } catch {
    throw new ApiError(
      'ValidationException',
      'Parameter Event is not valid. Reason: Event is not valid JSON.',
    );
  }
  const missing = REQUIRED_EVENT_FIELDS.filter((field) => (event as Input | null)?.[field] === undefined);
  if (missing.length > 0) {
    throw new ApiError(
      'ValidationException',
      `Parameter Event is not valid. Reason: missing ${missing.join(', ')}.`,
    );
  }
  return { Result: matchesPattern(pattern, event) };
};

const operations = (options: EventBridgeServerOptions): Record<string, Operation> => {
  const { account, region } = options;
  const busArn = (name: string) => `arn:aws:events:${region}:${account}:event-bus/${name}`;
  const ruleArnOf = (rule: BusRule) => ruleArn({ ...rule, account, region });
  const buses = servedBuses(options);

  const busOf = (input: Input): string => {
    const name = busNameOf(input.EventBusName as string | undefined);
    if (!buses.includes(name)) {
      throw new ApiError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    }
    return name;
  };
  const rulesOf = (bus: string) =>
    options.rules
      .filter((r) => busNameOf(r.eventBusName) === bus)
      .sort((a, b) => a.name.localeCompare(b.name));
  const ruleOf = (name: unknown, input: Input): BusRule => {
    const bus = busOf(input);
    const rule = rulesOf(bus).find((r) => r.name === name);
    if (!rule) {
      throw new ApiError(
        'ResourceNotFoundException',
        `Rule ${String(name)} does not exist on EventBus ${bus}.`,
      );
    }
    return rule;
  };
  const describe = (rule: BusRule) => ({
    Name: rule.name,
    Arn: ruleArnOf(rule),
    EventPattern: patternText(rule.eventPattern),
    State: rule.state,
    EventBusName: busNameOf(rule.eventBusName),
  });

  return {
    ...options.moreOperations,
    PutEvents: (input, caller) => putEventsOperation(options, input, caller),

    TestEventPattern: testEventPattern,

    ListRules: (input) => {
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      const { items, NextToken } = page(
        rulesOf(busOf(input)).filter((r) => r.name.startsWith(prefix)),
        input,
      );
      return { Rules: items.map(describe), NextToken };
    },

    DescribeRule: (input) => ({ ...describe(ruleOf(input.Name, input)), CreatedBy: account }),

    ListTargetsByRule: (input) => {
      const { items, NextToken } = page(ruleOf(input.Rule, input).targets, input);
      return { Targets: items.map((t) => ({ Id: t.id, Arn: t.arn })), NextToken };
    },

    ListEventBuses: (input) => {
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      const { items, NextToken } = page(
        buses.filter((name) => name.startsWith(prefix)),
        input,
      );
      return { EventBuses: items.map((name) => ({ Name: name, Arn: busArn(name) })), NextToken };
    },
  };
};

/**
 * The request body as text. Past `MAX_BODY_BYTES` the rest is read and discarded, and the request fails
 * with an AWS-shaped 413 once it has all arrived: a client still sending when its connection is cut sees
 * a reset, not the error.
 */
const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size <= MAX_BODY_BYTES) resolve(Buffer.concat(chunks).toString('utf8'));
      else
        reject(
          new ApiError(
            'RequestEntityTooLargeException',
            `Request of ${size} bytes is over the limit of ${MAX_BODY_BYTES} bytes.`,
            413,
          ),
        );
    });
    request.on('error', reject);
  });

const send = (response: ServerResponse, status: number, body: unknown, errorType?: string) => {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  response.end(text);
};

/** The operation an `X-Amz-Target` names: an EventBridge one, or a local one. */
const operationOf = (
  target: string,
  api: Record<string, Operation>,
  local: Record<string, (body: unknown) => Promise<unknown>>,
): Operation | undefined => {
  const [prefix, table] = target.startsWith(LOCAL_TARGET_PREFIX)
    ? [LOCAL_TARGET_PREFIX, local]
    : [TARGET_PREFIX, api];
  const name = target.startsWith(prefix) ? target.slice(prefix.length) : '';
  return Object.hasOwn(table, name) ? table[name] : undefined;
};

const handle = async (
  request: IncomingMessage,
  response: ServerResponse,
  api: Record<string, Operation>,
  local: Record<string, (body: unknown) => Promise<unknown>>,
) => {
  try {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = operationOf(target, api, local);
    if (request.method !== 'POST' || !operation) {
      throw new ApiError('UnknownOperationException', `Unknown operation: ${target || '(no X-Amz-Target)'}`);
    }
    const text = await readBody(request);
    let input: unknown;
    try {
      input = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new ApiError('SerializationException', 'Request body is not valid JSON.');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new ApiError('SerializationException', 'Request body must be a JSON object.');
    }
    const caller = { accessKeyId: accessKeyOf(request.headers.authorization) };
    send(response, 200, await operation(input as Input, caller));
  } catch (error) {
    const apiError =
      error instanceof ApiError
        ? error
        : error instanceof EventBridgeApiError
          ? new ApiError(error.code, error.message, error.status)
          : error instanceof PutEventsValidationError
            ? new ApiError(error.code, error.message)
            : error instanceof InvalidEventPatternError
              ? new ApiError('InvalidEventPatternException', error.message)
              : new ApiError('InternalException', (error as Error).message ?? String(error), 500);
    send(response, apiError.status, { __type: apiError.type, message: apiError.message }, apiError.type);
  }
};

/**
 * Starts the local EventBridge API on loopback. Rules' patterns are validated first: a malformed one
 * throws `InvalidEventPatternError`, as PutRule would refuse it.
 */
export const startEventBridgeServer = async (
  options: EventBridgeServerOptions,
): Promise<EventBridgeServer> => {
  for (const rule of options.rules) {
    if (rule.eventPattern !== undefined) validatePattern(patternOf(rule.eventPattern));
  }
  const api = operations(options);
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    void handle(request, response, api, options.localOperations ?? {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};
