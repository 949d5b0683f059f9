/**
 * The ceiling: DynamoDB Local's own operations per second on this machine, measured by a short burst of
 * conditional PutItem + GetItem pairs on a table of its own, from `concurrency` callers at once. Divided
 * by a saga's DynamoDB calls it bounds the sagas/s any run can reach here.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { LOCAL_AWS } from '../../emulator/dynamodb/dynamodb-local.js';
import { type CpuSample, sampleCpu } from './cpu.js';

/** What the burst measured. */
export type Ceiling = {
  operations: number;
  wallMs: number;
  operationsPerSecond: number;
  /** DynamoDB Local's CPU per operation, when its process could be read. */
  javaCpuMsPerOperation?: number;
};

/** Runs the burst for `durationMs` against the DynamoDB endpoint; leaves nothing behind. */
export const measureCeiling = async ({
  endpoint,
  javaPid,
  durationMs = 3000,
  concurrency = 16,
}: {
  endpoint: string;
  javaPid?: number;
  durationMs?: number;
  concurrency?: number;
}): Promise<Ceiling> => {
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  const TableName = `bench-ceiling-${process.pid}-${Date.now()}`;
  await client.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  try {
    let operations = 0;
    let next = 0;
    const pair = async (n: number) => {
      const Key = { pk: { S: `item-${n}` } };
      await client.send(
        new PutItemCommand({
          TableName,
          Item: { ...Key, status: { S: 'PENDING' }, amountCents: { N: String(n) } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      await client.send(new GetItemCommand({ TableName, Key, ConsistentRead: true }));
      operations += 2;
    };
    const before: CpuSample = sampleCpu(javaPid);
    const started = performance.now();
    const caller = async () => {
      while (performance.now() - started < durationMs) await pair(next++);
    };
    await Promise.all(Array.from({ length: concurrency }, caller));
    const wallMs = performance.now() - started;
    const after = sampleCpu(javaPid);
    const javaMs =
      before.dynamoDbLocalMs !== undefined && after.dynamoDbLocalMs !== undefined
        ? after.dynamoDbLocalMs - before.dynamoDbLocalMs
        : undefined;
    return {
      operations,
      wallMs: Math.round(wallMs),
      operationsPerSecond: Math.round((operations / wallMs) * 1000),
      ...(javaMs !== undefined && { javaCpuMsPerOperation: Math.round((javaMs / operations) * 100) / 100 }),
    };
  } finally {
    await client.send(new DeleteTableCommand({ TableName }));
    client.destroy();
  }
};
