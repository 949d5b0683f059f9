import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadAssembly } from '../../infra/local/emulator/cloud-assembly/template.js';
import { LOCAL_AWS } from '../../infra/local/emulator/dynamodb/dynamodb-local.js';
import type { DestinationRecord } from '../../infra/local/emulator/lambda/async-invoke.js';
import { type Runtime, startRuntime } from '../../infra/local/emulator/runtime.js';
import {
  BookBorrowed,
  type BookBorrowedDetail,
  LibraryNames,
  LibraryStacks,
  LoanRecorded,
  LoanStatus,
} from '../fixtures/library-app/contract.js';

/**
 * The emulator is not bound to the saga: a small CDK app of another domain (a library lends books; two
 * stacks, two functions, a table, an Express workflow, a dead-letter queue) is synthesized into a temporary
 * directory and run by the same `loadAssembly` and `startRuntime` as the saga, on the run's DynamoDB Local.
 */
const APP = fileURLToPath(new URL('../fixtures/library-app/app.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tableNamePrefix = `t${randomUUID().slice(0, 8)}-`;

let cdkOutDir: string;
let runtime: Runtime;
let bus: EventBridgeClient;
let documents: DynamoDBDocumentClient;

/** Synthesizes the library app into `outdir` in a process of its own (the CDK stays out of this worker). */
const synthesize = (outdir: string) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', APP, outdir], { cwd: ROOT });

beforeAll(async () => {
  cdkOutDir = mkdtempSync(join(tmpdir(), 'library-app-'));
  await synthesize(cdkOutDir);
  runtime = await startRuntime({
    app: loadAssembly({ cdkOutDir, tableNamePrefix }),
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
  });
  // The desk has no role in this app: the test puts its events as the account itself, which IAM lets do
  // what the bus's policy does not deny.
  bus = new EventBridgeClient({
    region: runtime.app.region,
    credentials: runtime.principals.account.credentials,
    endpoint: runtime.endpoints.eventBridge,
  });
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...LOCAL_AWS, endpoint: runtime.endpoints.dynamoDb }),
  );
});

afterAll(async () => {
  bus?.destroy();
  documents?.destroy();
  await runtime?.stop();
  if (cdkOutDir) rmSync(cdkOutDir, { recursive: true, force: true });
});

/** A fresh loan's BookBorrowed detail. */
const newLoan = (): BookBorrowedDetail => ({
  loanId: `loan-${randomUUID()}`,
  bookId: 'book-moby-dick',
  memberId: 'member-ishmael',
});

/** Puts a BookBorrowed with `detail` on the library bus, as the desk would, and checks the bus took it. */
const borrow = async (detail: object): Promise<void> => {
  const { FailedEntryCount } = await bus.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: LibraryNames.bus,
          Source: BookBorrowed.source,
          DetailType: BookBorrowed.detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
  expect(FailedEntryCount).toBe(0);
};

/** The loan `loanId` as the loans table holds it. */
const readLoan = async (loanId: string) => {
  const { Item } = await documents.send(
    new GetCommand({ TableName: `${tableNamePrefix}${LibraryNames.loansTable}`, Key: { loanId } }),
  );
  return Item;
};

/** A logical id less the hash the CDK appends to it. */
const construct = (logicalId: string) => logicalId.replace(/[0-9A-F]{8}$/, '');

describe('the local runtime on an app that is not the saga', () => {
  it("loads the library's two stacks, and only what they declare", () => {
    const { app } = runtime;

    expect(app.stacks).toStrictEqual([LibraryStacks.bus, LibraryStacks.loans]);
    expect(app.bus.name).toBe(LibraryNames.bus);
    expect(app.tables.map((table) => table.tableName)).toStrictEqual([
      `${tableNamePrefix}${LibraryNames.loansTable}`,
    ]);
    expect(app.functions.map((fn) => construct(fn.logicalId))).toStrictEqual([
      'OnBookBorrowed',
      'OnLoanRecorded',
    ]);
    expect(app.queues.map((queue) => queue.queueName)).toStrictEqual([LibraryNames.deadLetters]);
    expect(app.stateMachines.map((sm) => [construct(sm.logicalId), sm.type])).toStrictEqual([
      ['CheckLoan', 'EXPRESS'],
    ]);
    expect(app.rules.map((rule) => construct(rule.logicalId))).toStrictEqual([
      'OnBookBorrowedRule',
      'OnLoanRecordedRule',
      'CheckLoanRule',
    ]);
  });

  it('holds no word of the saga: no order, payment, inventory or saga anywhere in the loaded app', () => {
    // The assets' directories are left out: they are paths of this machine, not of the app.
    const loaded = JSON.stringify({
      ...runtime.app,
      functions: runtime.app.functions.map(({ assetDir: _, ...fn }) => fn),
    });

    expect(loaded).not.toMatch(/order|payment|inventory|saga|shop\./i);
  });

  it('records the loan of a borrowed book and publishes LoanRecorded', async () => {
    const loan = newLoan();

    await borrow(loan);

    const log = await runtime.waitFor((events) =>
      events.some(
        (e) => e.event['detail-type'] === LoanRecorded.detailType && e.event.detail.loanId === loan.loanId,
      ),
    );
    const recorded = log.find((e) => e.event['detail-type'] === LoanRecorded.detailType);
    expect(recorded?.event.source).toBe(LoanRecorded.source);
    expect(await readLoan(loan.loanId)).toMatchObject({ ...loan, borrowedAt: expect.any(String) });
  });

  it('marks the recorded loan NOTIFIED once LoanRecorded reaches the second function', async () => {
    const loan = newLoan();

    await borrow(loan);
    await runtime.idle();

    expect(await readLoan(loan.loanId)).toMatchObject({
      loanId: loan.loanId,
      status: LoanStatus.notified,
      notifiedAt: expect.any(String),
    });
  });

  it('checks the recorded loan with the Express workflow that LoanRecorded starts', async () => {
    const before = runtime.stats();

    await borrow(newLoan());
    await runtime.idle();

    const after = runtime.stats();
    expect(after.executions - before.executions).toBe(1);
    // The workflow fails (LoanNotFound) when its GetItem finds no loan.
    expect(after.executionsFailed - before.executionsFailed).toBe(0);
  });

  it("sends a BookBorrowed without a book, after Lambda's retries, to the dead-letter queue", async () => {
    const { loanId, memberId } = newLoan();

    await borrow({ loanId, memberId });
    await runtime.idle();

    const records = runtime
      .messages(LibraryNames.deadLetters)
      .map((message) => JSON.parse(message.body) as DestinationRecord);
    const record = records.find(
      (r) => (r.requestPayload as { detail?: { loanId?: string } }).detail?.loanId === loanId,
    );
    expect(record?.requestContext).toMatchObject({
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    });
    expect(record?.responsePayload?.errorType).toBe('InvalidLoanError');
    expect(await readLoan(loanId)).toBeUndefined();
  });
});
