import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanAll } from '../../infra/local/chaos/invariants.js';
import { functionOf } from '../../infra/local/emulator/cloud-assembly/lookup.js';
import { LOCAL_AWS } from '../../infra/local/emulator/dynamodb/dynamodb-local.js';
import { matchesPattern } from '../../infra/local/emulator/eventbridge/pattern.js';
import type { LoggedEvent, Runtime } from '../../infra/local/emulator/runtime.js';
import { localDocumentClient, seedScenarioStock, tableNames } from '../../infra/local/saga/boot.js';
import { readPayload } from '../../infra/local/saga/scenarios.js';
import {
  type AnyEventDefinition,
  InventoryReservationFailed,
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
  PaymentFailed,
  PaymentProcessed,
  SagaAudited,
  Sources,
} from '../../shared/events/index.js';
import { bootTestRuntime } from '../support/runtime.js';

/**
 * Malformed and hostile events put on the bus, thousands of them: each is refused at PutEvents with the
 * AWS error code, or routed nowhere (a consumed detail-type from a foreign source), or refused by every
 * function it reaches, which changes nothing and leaves it in that function's on-failure DLQ. No worker
 * crashes, and a normal saga put afterwards still completes and audits consistent.
 */

// Lambda's retry waits (1 and 2 minutes) take 60 and 120 ms: each refused event reaches its DLQ quickly.
const TIME_SCALE = 0.001;
// `npm test` puts 10 batches; `npm run test:chaos` runs this file again with the full 100 (vitest.config.ts).
const RUNS = Number(process.env.SAGA_FUZZ_BATCHES ?? 10);
const MAX_ENTRIES_PER_RUN = 50;

/** The events only functions consume, each with a detail that its schema accepts. */
const VALID: [AnyEventDefinition, Record<string, unknown>][] = [
  [
    OrderPlaced,
    {
      orderId: 'fuzz-order-1',
      occurredAt: '2025-01-01T10:00:00.000Z',
      customerId: 'fuzz-customer-1',
      items: [
        { sku: 'WIDGET-BLUE', description: 'A blue widget', quantity: 2, unitPriceCents: 1250 },
        { sku: 'GADGET-RED', quantity: 1, unitPriceCents: 999 },
      ],
      currency: 'USD',
      amountCents: 3499,
      paymentToken: 'tok_visa',
      shipTo: { country: 'US' },
    },
  ],
  [
    PaymentProcessed,
    {
      orderId: 'fuzz-order-1',
      occurredAt: '2025-01-01T10:00:01.000Z',
      paymentId: 'pay-fuzz-1',
      amountCents: 3499,
      currency: 'USD',
      items: [
        { sku: 'WIDGET-BLUE', quantity: 2, unitPriceCents: 1250 },
        { sku: 'GADGET-RED', quantity: 1, unitPriceCents: 999 },
      ],
    },
  ],
  [
    PaymentFailed,
    { orderId: 'fuzz-order-1', occurredAt: '2025-01-01T10:00:01.000Z', reason: 'CARD_DECLINED' },
  ],
  [
    InventoryReserved,
    {
      orderId: 'fuzz-order-1',
      occurredAt: '2025-01-01T10:00:02.000Z',
      items: [{ sku: 'WIDGET-BLUE', quantity: 2 }],
    },
  ],
  [
    InventoryReservationFailed,
    {
      orderId: 'fuzz-order-1',
      occurredAt: '2025-01-01T10:00:02.000Z',
      reason: 'OUT_OF_STOCK',
      skus: ['WIDGET-BLUE'],
    },
  ],
];

/**
 * The events the audit workflow consumes (OrderCancelled feeds payment and inventory as well), fuzzed apart:
 * the audit does not check its input against the contract (see the second test).
 */
const AUDITED: [AnyEventDefinition, Record<string, unknown>][] = [
  [
    OrderCancelled,
    { orderId: 'fuzz-order-1', occurredAt: '2025-01-01T10:00:03.000Z', reason: 'OUT_OF_STOCK' },
  ],
  [
    OrderConfirmed,
    { orderId: 'fuzz-order-1', occurredAt: '2025-01-01T10:00:03.000Z', amountCents: 3499, currency: 'USD' },
  ],
];

const clone = <T>(value: T): T => structuredClone(value);

/** Strings a sender could put where an id goes: unicode, control characters, and other tables' keys. */
const hostileString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'SKU#WIDGET-BLUE',
    'RESERVATION#fuzz-order-1',
    'pk',
    '#status',
    'orderId = :expected',
    '../../etc/passwd',
    ['$', '{jndi:ldap://x}'].join(''),
    '<script>alert(1)</script>',
    'fuzz\u0000order',
    'fuzz\norder',
    'fuzz\u202eredro',
    'ordér-1',
    '订单-1',
    '🧨-1',
    '\uD800',
    'x'.repeat(65),
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
);

/** Values of every JSON type but the one a field holds. */
const anyJson = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  hostileString,
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

/** Numbers no quantity, price or amount may be. */
const badNumber = fc.oneof(
  fc.constantFrom(-1, 0, 0.5, 1.5, -0.01, 10_001, 1e12, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
  fc.integer({ max: -1 }),
);

type Detail = Record<string, unknown>;
type Mutation = fc.Arbitrary<(detail: Detail) => Detail>;

/** The first line of a detail's `items`, if an earlier mutation left one that is an object. */
const firstLine = (detail: Detail): Detail | undefined => {
  const line: unknown = Array.isArray(detail.items) ? detail.items[0] : undefined;
  return typeof line === 'object' && line !== null && !Array.isArray(line) ? (line as Detail) : undefined;
};

const mutations: Mutation[] = [
  // A missing field.
  fc.nat().map((n) => (detail) => {
    const keys = Object.keys(detail);
    const copy = clone(detail);
    delete copy[keys[n % keys.length] as string];
    return copy;
  }),
  // An extra field.
  fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), anyJson).map(([key, value]) => (detail) => ({
    ...clone(detail),
    [`x-${key}`]: value,
  })),
  // A field of the wrong type, or with a hostile string.
  fc.tuple(fc.nat(), anyJson).map(([n, value]) => (detail) => {
    const keys = Object.keys(detail);
    return { ...clone(detail), [keys[n % keys.length] as string]: value };
  }),
  // A hostile id.
  fc.tuple(fc.constantFrom('orderId', 'customerId', 'paymentId'), hostileString).map(
    ([key, value]) =>
      (detail) =>
        key in detail ? { ...clone(detail), [key]: value } : { ...clone(detail), orderId: value },
  ),
  // A bad quantity, price or amount.
  fc
    .tuple(fc.constantFrom('quantity', 'unitPriceCents', 'amountCents'), badNumber)
    .map(([field, value]) => (detail) => {
      const copy = clone(detail);
      const line = firstLine(copy);
      if (field === 'amountCents' || !line) copy.amountCents = value;
      else line[field] = value;
      return copy;
    }),
  // A hostile SKU.
  hostileString.map((sku) => (detail) => {
    const copy = clone(detail);
    const line = firstLine(copy);
    if (line) line.sku = sku;
    else copy.skus = [sku];
    return copy;
  }),
  // 0 or 100+ lines, or the same SKU twice.
  fc.constantFrom(0, 100, 101, -2).map((count) => (detail) => {
    const copy = clone(detail);
    const line = firstLine(copy) ?? { sku: 'WIDGET-BLUE', quantity: 1 };
    const lines =
      count === -2
        ? [line, clone(line)]
        : Array.from({ length: count }, (_, i) => ({ ...clone(line), sku: `SKU-${i}` }));
    if ('items' in copy) copy.items = lines;
    else copy.skus = lines.map((l) => l.sku);
    return copy;
  }),
  // An unknown enum value, currency or timestamp.
  fc
    .tuple(
      fc.constantFrom('reason', 'currency', 'occurredAt'),
      fc.constantFrom('HACKED', 'usd', 'XXX', 'yesterday', '2025-13-45T99:99:99Z', ''),
    )
    .map(([key, value]) => (detail) => ({ ...clone(detail), [key]: value })),
  // An oversize field, well within PutEvents' limit (up to 100 KB).
  fc.integer({ min: 201, max: 100_000 }).map((size) => (detail) => {
    const copy = clone(detail);
    const line = firstLine(copy);
    if (line) line.description = 'd'.repeat(size);
    else copy.note = 'n'.repeat(size);
    return copy;
  }),
];

/** What is expected of an entry: refused at PutEvents, routed nowhere, or refused by its consumers. */
type Expectation = 'refused' | 'unrouted' | 'dead-lettered';
type HostileEntry = {
  entry: PutEventsRequestEntry;
  expect: Expectation;
  why: string;
  [fc.toStringMethod]: () => string;
};

/** An entry as a counterexample prints it: what it is and the start of its detail. */
const hostile = (entry: PutEventsRequestEntry, expect: Expectation, why: string): HostileEntry => ({
  entry,
  expect,
  why,
  [fc.toStringMethod]: () =>
    `${why} (${expect}): ${entry.Detail && entry.Detail.length > 160 ? `${entry.Detail.slice(0, 160)}… (${entry.Detail.length} chars)` : entry.Detail}`,
});

/** An event of the contract with a detail that its schema refuses. */
const invalidEvent = (events: [AnyEventDefinition, Detail][]) =>
  fc
    .tuple(fc.constantFrom(...events), fc.array(fc.oneof(...mutations), { minLength: 1, maxLength: 3 }))
    .map(([[definition, valid], mutate]) => ({
      definition,
      detail: mutate.reduce((detail, change) => change(detail), valid),
    }))
    .filter(({ definition, detail }) => !definition.detail.safeParse(detail).success)
    .map(({ definition, detail }) =>
      hostile(
        { Source: definition.source, DetailType: definition.detailType, Detail: JSON.stringify(detail) },
        'dead-lettered',
        `invalid ${definition.detailType}`,
      ),
    );

/** A valid event of the contract from a source that is not its producer (or a near miss of its name). */
const foreignSource = fc
  .tuple(
    fc.constantFrom(...VALID, ...AUDITED),
    fc.constantFrom(
      ...Object.values(Sources),
      'evil.corp',
      'shop.orders ',
      'SHOP.ORDERS',
      'shop',
      'aws.events',
      'shop.orders.evil',
    ),
  )
  .filter(([[definition], source]) => source !== definition.source)
  .map(([[definition, detail], source]) =>
    hostile(
      { Source: source, DetailType: definition.detailType, Detail: JSON.stringify(detail) },
      'unrouted',
      `${definition.detailType} from ${source}`,
    ),
  );

/** A detail-type no rule consumes, or a near miss of one, from a producer's source. */
const unknownDetailType = fc
  .tuple(
    fc.constantFrom(...Object.values(Sources)),
    fc.constantFrom(
      'orderplaced',
      'OrderPlaced ',
      'Order Placed',
      'OrderPlacedV2',
      SagaAudited.detailType,
      'Ünïcode',
    ),
  )
  .map(([source, detailType]) =>
    hostile(
      { Source: source, DetailType: detailType, Detail: JSON.stringify(VALID[0]?.[1]) },
      'unrouted',
      `${detailType} from ${source}`,
    ),
  );

/** Entries PutEvents itself refuses: no source or detail-type, a detail that is not a JSON object, or over 256 KB. */
const refusedEntry = fc.oneof(
  fc.integer({ min: 256 * 1024, max: 400 * 1024 }).map((size) =>
    hostile(
      {
        Source: Sources.orders,
        DetailType: OrderPlaced.detailType,
        Detail: JSON.stringify({ ...VALID[0]?.[1], note: 'o'.repeat(size) }),
      },
      'refused',
      `a detail of ${size} bytes`,
    ),
  ),
  fc
    .constantFrom('', ' ', 'not json', '[]', '[1,2]', '"a string"', '42', 'null', '{', '{"orderId":')
    .map((Detail) =>
      hostile(
        { Source: Sources.orders, DetailType: OrderPlaced.detailType, Detail },
        'refused',
        `detail ${JSON.stringify(Detail)}`,
      ),
    ),
  fc
    .constantFrom<[string, string]>(['', 'OrderPlaced'], [Sources.orders, ''], [' ', ' '])
    .map(([Source, DetailType]) =>
      hostile(
        { Source, DetailType, Detail: JSON.stringify(VALID[0]?.[1]) },
        'refused',
        `source ${JSON.stringify(Source)}, detail-type ${JSON.stringify(DetailType)}`,
      ),
    ),
);

const hostileEntry = fc.oneof(
  { weight: 6, arbitrary: invalidEvent(VALID) },
  { weight: 2, arbitrary: foreignSource },
  { weight: 1, arbitrary: unknownDetailType },
  { weight: 1, arbitrary: refusedEntry },
);

let runtime: Runtime;
let documents: DynamoDBDocumentClient;
let bus: EventBridgeClient;
let baseline: Map<string, string[]>;

/** Every item of every table of the stack, as sorted JSON lines, by table. */
const tablesNow = async (): Promise<Map<string, string[]>> => {
  const names = runtime.app.tables.map((table) => table.tableName);
  const contents = await Promise.all(
    names.map(async (name) => (await scanAll(documents, name)).map((item) => JSON.stringify(item)).sort()),
  );
  return new Map(names.map((name, i) => [name, contents[i] ?? []]));
};

/** The functions an accepted event is delivered to (the Lambda targets of the rules it matches). */
const consumersOf = (event: Record<string, unknown>): string[] =>
  runtime.app.rules
    .filter((rule) => rule.state === 'ENABLED' && rule.eventPattern !== undefined)
    .filter((rule) =>
      matchesPattern(
        typeof rule.eventPattern === 'string' ? JSON.parse(rule.eventPattern) : rule.eventPattern,
        event,
      ),
    )
    .flatMap((rule) => rule.targets)
    .flatMap((target) =>
      target.kind === 'lambda' ? [functionOf(runtime.app, target.arn)?.functionName] : [],
    )
    .filter((name): name is string => name !== undefined)
    .sort();

/** The dead letters of function on-failure destinations, by the id of the event they hold. */
const deadLettersByEventId = () => {
  const byId = new Map<string, { functionName: string; reason: string }[]>();
  for (const queue of runtime.deadLetters()) {
    for (const message of queue.messages) {
      if (message.from.kind !== 'function') continue;
      const id = (JSON.parse(message.body) as { requestPayload?: { id?: string } }).requestPayload?.id ?? '?';
      byId.set(id, [
        ...(byId.get(id) ?? []),
        { functionName: message.from.functionName, reason: message.reason },
      ]);
    }
  }
  return byId;
};

type PutOutcome = { eventId: string } | { errorCode: string };

/** What PutEvents counts of an entry against its 256 KB limit. */
const MAX_REQUEST_BYTES = 256 * 1024;
const sizeOf = (entry: PutEventsRequestEntry | undefined) =>
  entry === undefined
    ? 0
    : [entry.Source, entry.DetailType, entry.Detail].reduce(
        (sum, text) => sum + Buffer.byteLength(text ?? ''),
        0,
      );

/** Puts entries as one request; the outcome of each: its event id, or the error that refused it. */
const putAll = async (entries: PutEventsRequestEntry[]): Promise<PutOutcome[]> => {
  try {
    const response = await bus.send(
      new PutEventsCommand({
        Entries: entries.map((entry) => ({ ...entry, EventBusName: runtime.app.bus.name })),
      }),
    );
    return (response.Entries ?? []).map(
      (result): PutOutcome =>
        result.EventId ? { eventId: result.EventId } : { errorCode: result.ErrorCode ?? '?' },
    );
  } catch (error) {
    return entries.map(() => ({ errorCode: (error as Error).name }));
  }
};

/**
 * Puts a batch of hostile entries, waits until the runtime is idle, and checks each entry: refused at
 * PutEvents with its error code, or routed nowhere, or refused by every function it reached (one dead letter
 * in each one's on-failure destination, with the parser's error: no crash, no timeout). No table changed.
 */
const putAndCheck = async (batch: HostileEntry[]) => {
  // As a careful client does: requests of at most 10 entries and 256 KB; an entry over 256 KB goes alone.
  const outcomes: PutOutcome[] = [];
  for (let start = 0; start < batch.length; ) {
    let end = start + 1;
    let size = sizeOf(batch[start]?.entry);
    while (end < batch.length && end - start < 10 && size + sizeOf(batch[end]?.entry) <= MAX_REQUEST_BYTES) {
      size += sizeOf(batch[end]?.entry);
      end++;
    }
    outcomes.push(...(await putAll(batch.slice(start, end).map((h) => h.entry))));
    start = end;
  }
  await runtime.idle({ timeoutMs: 60_000 });

  const deadLetters = deadLettersByEventId();
  const logged = new Map(runtime.events.map(({ event }) => [event.id, event]));
  batch.forEach((h, i) => {
    const outcome = outcomes[i];
    const label = String(h[fc.toStringMethod]());
    // Whatever else is wrong with it, an entry over PutEvents' limit is refused for its size.
    if (h.expect === 'refused' || sizeOf(h.entry) > MAX_REQUEST_BYTES) {
      const code =
        sizeOf(h.entry) > MAX_REQUEST_BYTES ? /^ValidationException$/ : /^(InvalidArgument|MalformedDetail)$/;
      expect(outcome, label).toEqual({ errorCode: expect.stringMatching(code) });
      return;
    }
    expect(outcome, label).toHaveProperty('eventId');
    const eventId = (outcome as { eventId: string }).eventId;
    const event = logged.get(eventId);
    expect(event, label).toBeDefined();
    const consumers = consumersOf(event as unknown as Record<string, unknown>);
    const letters = deadLetters.get(eventId) ?? [];
    expect(letters.map((l) => l.functionName).sort(), label).toEqual(consumers);
    if (h.expect === 'unrouted') expect(consumers, label).toEqual([]);
    for (const letter of letters) expect(letter.reason, label).toMatch(/: InvalidEventError: Invalid /);
  });
  expect(await tablesNow()).toEqual(baseline);
};

beforeAll(async () => {
  // The hostile events are about the consumers, which must refuse whatever reaches them: a batch mixes every
  // source, which IAM lets no one put (each producer's role may put its own facts only), so the run does not
  // enforce IAM and they reach the consumers as a buggy or compromised producer's own events would.
  runtime = await bootTestRuntime({ timeScale: TIME_SCALE, scheduleScale: 0.01, iam: false });
  documents = localDocumentClient(runtime);
  bus = new EventBridgeClient({ ...LOCAL_AWS, endpoint: runtime.endpoints.eventBridge });
  await seedScenarioStock(runtime);
  baseline = await tablesNow();
});

afterAll(async () => {
  bus?.destroy();
  documents?.destroy();
  await runtime?.stop();
});

describe('hostile and malformed events on the bus', () => {
  it(`refuses ${RUNS} batches of up to ${MAX_ENTRIES_PER_RUN} hostile events without changing any table`, async () => {
    let put = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileEntry, { minLength: 10, maxLength: MAX_ENTRIES_PER_RUN, size: 'max' }),
        async (batch) => {
          put += batch.length;
          await putAndCheck(batch);
        },
      ),
      { numRuns: RUNS, seed: 20_250_101, endOnFailure: true },
    );

    // Batches of 10 to 50 entries: at least 20 an average batch (2,000 at the full size).
    expect(put).toBeGreaterThanOrEqual(RUNS * 20);
    expect(runtime.stats()).toMatchObject({ timeouts: 0, crashes: 0, executions: 0 });
  }, 600_000);

  // The audit state machine consumes OrderCancelled and OrderConfirmed too, with no schema in front of it:
  // it refuses an event about an order the order service never recorded (the execution fails), so it
  // records no verdict and publishes no SagaAudited for it.
  it('refuses malformed events the audit consumes without changing any table', async () => {
    const failedBefore = runtime.stats().executionsFailed;
    let put = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(invalidEvent(AUDITED), { minLength: 1, maxLength: 5 }), async (batch) => {
        put += batch.length;
        await putAndCheck(batch);
      }),
      { numRuns: 20, seed: 20_250_102, endOnFailure: true },
    );

    expect(runtime.stats().executionsFailed - failedBefore).toBe(put);
  }, 120_000);

  it('still completes a normal saga afterwards, audited consistent', async () => {
    const entries = readPayload('scenario-7.json');
    const orderId = OrderPlaced.detail.parse(JSON.parse(entries[0]?.Detail ?? '{}')).orderId;
    const isVerdict = (e: LoggedEvent) =>
      e.event['detail-type'] === SagaAudited.detailType && e.event.detail.orderId === orderId;
    const response = await bus.send(new PutEventsCommand({ Entries: entries }));
    expect(response.FailedEntryCount).toBe(0);

    const log = await runtime.waitFor((events) => events.some(isVerdict), { timeoutMs: 60_000 });

    expect(log.find(isVerdict)?.event.detail).toMatchObject({
      outcome: 'CONFIRMED',
      consistent: true,
      findings: [],
    });
    expect((await tablesNow()).get(tableNames(runtime).orders)).toHaveLength(1);
  }, 120_000);
});
