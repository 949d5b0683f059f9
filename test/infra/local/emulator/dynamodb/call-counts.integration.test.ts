import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { countDynamoDbAnswer } from '../../../../../infra/local/emulator/dynamodb/call-counts.js';
import { LOCAL_AWS } from '../../../../../infra/local/emulator/dynamodb/dynamodb-local.js';
import {
  type DynamoDbFaultProxy,
  startDynamoDbFaultProxy,
} from '../../../../../infra/local/emulator/dynamodb/fault-proxy.js';
import { emptyStats } from '../../../../../infra/local/emulator/stats.js';

const stats = emptyStats();
let proxy: DynamoDbFaultProxy;
let direct: DynamoDBClient;
let client: DynamoDBClient;
const table = `counted-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  direct = new DynamoDBClient({ ...LOCAL_AWS, endpoint: inject('dynamoDbEndpoint') });
  await direct.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  proxy = await startDynamoDbFaultProxy({
    target: inject('dynamoDbEndpoint'),
    onAnswer: (answer) => countDynamoDbAnswer(stats, answer),
  });
  client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: proxy.endpoint, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  direct?.destroy();
  await proxy?.close();
});

const put = (pk: string, bytes: number) =>
  new PutItemCommand({
    TableName: table,
    Item: { pk: { S: pk }, payload: { S: 'x'.repeat(bytes) } },
    ConditionExpression: 'attribute_not_exists(pk)',
  });

describe('counting DynamoDB calls through the proxy', () => {
  it('counts each call by table and operation with the capacity DynamoDB Local reports, and hides it from callers that did not ask', async () => {
    const small = await client.send(put('small', 10));
    await client.send(put('large', 2500));
    const read = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'large' } }, ConsistentRead: true }),
    );

    expect(small.ConsumedCapacity).toBeUndefined();
    expect(read.Item?.payload?.S).toHaveLength(2500);
    expect(stats.dynamoDbCalls[table]).toEqual({
      // 1 KB write units: one for the small item, three for the 2.5 KB one.
      PutItem: { calls: 2, errors: 0, capacityUnits: 4 },
      // A strongly consistent read of up to 4 KB.
      GetItem: { calls: 1, errors: 0, capacityUnits: 1 },
    });
  });

  it('returns the capacity to a caller that asked for it, and counts a failed condition as an error', async () => {
    const asked = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'small' } }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    await expect(client.send(put('small', 10))).rejects.toBeInstanceOf(ConditionalCheckFailedException);

    expect(asked.ConsumedCapacity?.CapacityUnits).toBe(0.5);
    expect(stats.dynamoDbCalls[table]?.PutItem).toEqual({ calls: 3, errors: 1, capacityUnits: 4 });
    expect(stats.dynamoDbCalls[table]?.GetItem).toEqual({ calls: 2, errors: 0, capacityUnits: 1.5 });
  });
});
