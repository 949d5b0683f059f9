import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { readStock } from '../../../services/inventory/adapters/inventory-repository.js';
import { OrderPlaced, SagaAudited } from '../../../shared/events/index.js';
import type { LoggedEvent, Runtime } from '../emulator/runtime.js';
import { localDocumentClient, seedScenarioStock, tableNames } from './boot.js';
import { type Expectation, expectations, PAYLOAD_DIR, payloadFiles, readPayload } from './scenarios.js';
import { storefrontBus } from './storefront-principal.js';
import { summarize } from './summaries.js';
import { table } from './text-table.js';
import { timelineOf } from './timeline.js';

/** How one payload's saga ended, against what `test/scenarios/expected.json` says it must end in. */
export type SagaResult = {
  file: string;
  orderId: string;
  expected: Expectation;
  status?: string;
  reason?: string;
  cause?: string;
  audit?: SagaAudited;
  /** From the saga's first event to its SagaAudited, in ms. */
  auditedAfterMs?: number;
  events: LoggedEvent[];
  problems: string[];
};

export type DemoReport = {
  sagas: SagaResult[];
  stock: { sku: string; before: number; after: number; expected: number }[];
  /** Everything that is not as it must be; empty means green. */
  problems: string[];
  wallMs: number;
};

const auditOf = (events: readonly LoggedEvent[]) =>
  events.filter((e) => e.event['detail-type'] === SagaAudited.detailType).at(-1)?.event.detail as
    | SagaAudited
    | undefined;

type Placed = Map<string, { file: string; order: OrderPlaced }>;

/**
 * Puts every payload file on the local bus through the AWS SDK as the storefront (the principal that places
 * orders), as a user would; returns the orders placed.
 */
const putPayloads = async (runtime: Runtime, files: string[], payloadDir: string): Promise<Placed> => {
  const client = storefrontBus(runtime);
  const orders: Placed = new Map();
  try {
    await Promise.all(
      files.map(async (file) => {
        const entries = readPayload(file, payloadDir);
        const response = await client.send(new PutEventsCommand({ Entries: entries }));
        for (const entry of entries) {
          const order = OrderPlaced.detail.parse(JSON.parse(entry.Detail));
          orders.set(order.orderId, { file, order });
        }
        const failed = (response.Entries ?? []).filter((entry) => entry.ErrorCode);
        if (failed.length > 0)
          throw new Error(`${file}: PutEvents refused ${failed.map((f) => f.ErrorCode).join(', ')}`);
      }),
    );
  } finally {
    client.destroy();
  }
  return orders;
};

/** Waits until every saga is audited (announcing each verdict) and the runtime is idle. */
const awaitAudits = async (
  runtime: Runtime,
  orders: Placed,
  timeoutMs: number,
  log: (line: string) => void,
) => {
  const announced = new Set<string>();
  await runtime.waitFor(
    (events) => {
      for (const { event } of events) {
        const orderId = event.detail.orderId as string;
        if (event['detail-type'] !== SagaAudited.detailType || announced.has(orderId)) continue;
        announced.add(orderId);
        const audit = event.detail as SagaAudited;
        log(
          `  [${announced.size}/${orders.size}] ${orders.get(orderId)?.file ?? orderId}: ${summarize(SagaAudited.detailType, audit)}`,
        );
      }
      return announced.size >= orders.size;
    },
    { timeoutMs },
  );
  await runtime.idle({ timeoutMs });
};

/** One saga's end, read from DynamoDB Local and its events, checked against what it must end in. */
const sagaResult = async (
  runtime: Runtime,
  documents: DynamoDBDocumentClient,
  orderId: string,
  file: string,
  want: Expectation | undefined,
): Promise<SagaResult> => {
  const events = timelineOf(runtime.events, orderId);
  const { Item: order } = await documents.send(
    new GetCommand({ TableName: tableNames(runtime).orders, Key: { orderId } }),
  );
  const audit = auditOf(events);
  const result: SagaResult = {
    file,
    orderId,
    expected: want ?? { orderId, outcome: 'CONFIRMED' },
    status: order?.status,
    reason: order?.cancelReason,
    cause: order?.cancelCause,
    audit,
    auditedAfterMs:
      audit && events[0]
        ? (events.findLast((e) => e.event['detail-type'] === 'SagaAudited')?.at ?? 0) - events[0].at
        : undefined,
    events,
    problems: [],
  };
  result.problems = problemsOf(result, want);
  return result;
};

/** What is not as it must be in one saga's end. */
const problemsOf = (result: SagaResult, want: Expectation | undefined): string[] => {
  const { file, audit } = result;
  const problems: string[] = [];
  if (!want) problems.push(`${file}: no expected outcome in test/scenarios/expected.json`);
  else {
    if (result.status !== want.outcome)
      problems.push(`${file}: ended ${result.status}, expected ${want.outcome}`);
    if (want.reason && result.reason !== want.reason)
      problems.push(`${file}: reason ${result.reason}, expected ${want.reason}`);
    if (want.cause && result.cause !== want.cause)
      problems.push(`${file}: cause ${result.cause}, expected ${want.cause}`);
  }
  if (!audit) problems.push(`${file}: no SagaAudited`);
  else if (!audit.consistent) problems.push(`${file}: audited inconsistent (${audit.findings.join(', ')})`);
  return problems;
};

/** Every SKU's stock against its seeded stock less the confirmed orders' units. */
const stockOf = async (
  runtime: Runtime,
  documents: DynamoDBDocumentClient,
  sagas: SagaResult[],
  orders: Placed,
  stockBefore: Record<string, number>,
) => {
  const confirmedUnits = new Map<string, number>();
  for (const saga of sagas.filter((s) => s.status === 'CONFIRMED')) {
    for (const line of orders.get(saga.orderId)?.order.items ?? []) {
      confirmedUnits.set(line.sku, (confirmedUnits.get(line.sku) ?? 0) + line.quantity);
    }
  }
  const stockAfter = await readStock(documents, tableNames(runtime).inventory, Object.keys(stockBefore));
  return Object.entries(stockBefore).map(([sku, before]) => ({
    sku,
    before,
    after: stockAfter[sku] ?? 0,
    expected: before - (confirmedUnits.get(sku) ?? 0),
  }));
};

/**
 * Seeds stock, puts every payload on the local bus through the AWS SDK (as a user would), waits until
 * every saga is audited and the runtime is idle, and checks each saga's end state in DynamoDB Local and
 * its audit verdict against the expected outcome, and every SKU's stock against the confirmed orders.
 */
export const runDemo = async ({
  runtime,
  payloadDir = PAYLOAD_DIR,
  timeoutMs = 120_000,
  log,
}: {
  runtime: Runtime;
  payloadDir?: string;
  timeoutMs?: number;
  log: (line: string) => void;
}): Promise<DemoReport> => {
  const started = Date.now();
  const expected = expectations();
  const files = payloadFiles(payloadDir);
  const stockBefore = await seedScenarioStock(runtime);
  log(`Seeded ${Object.keys(stockBefore).length} SKUs of stock`);
  const orders = await putPayloads(runtime, files, payloadDir);
  log(`Put ${files.length} orders on the bus; waiting for every saga's audit…`);
  await awaitAudits(runtime, orders, timeoutMs, log);

  const documents = localDocumentClient(runtime);
  const sagas: SagaResult[] = [];
  for (const [orderId, { file }] of orders) {
    sagas.push(await sagaResult(runtime, documents, orderId, file, expected[file]));
  }
  sagas.sort((a, b) => a.file.localeCompare(b.file, 'en', { numeric: true }));
  const stock = await stockOf(runtime, documents, sagas, orders, stockBefore);
  const stockProblems = stock
    .filter((s) => s.after !== s.expected)
    .map((s) => `stock of ${s.sku} is ${s.after}, expected ${s.expected}`);
  documents.destroy();

  return {
    sagas,
    stock,
    problems: [...sagas.flatMap((s) => s.problems), ...stockProblems],
    wallMs: Date.now() - started,
  };
};

/** The demo's closing table: one row per saga. */
export const formatSummary = (report: DemoReport): string[] =>
  table(
    ['payload', 'outcome', 'reason (cause)', 'audit', 'audited after', 'as expected'],
    report.sagas.map((saga) => [
      saga.file,
      saga.status ?? '-',
      saga.reason ? `${saga.reason}${saga.cause ? ` (${saga.cause})` : ''}` : '',
      saga.audit ? (saga.audit.consistent ? 'consistent' : 'INCONSISTENT') : 'none',
      saga.auditedAfterMs === undefined ? '-' : `${Math.round(saga.auditedAfterMs)} ms`,
      saga.problems.length === 0 ? 'yes' : 'NO',
    ]),
  );
