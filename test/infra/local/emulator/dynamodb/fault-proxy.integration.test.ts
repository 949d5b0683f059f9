import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_AWS } from '../../../../../infra/local/emulator/dynamodb/dynamodb-local.js';
import {
  type DynamoDbFaultProxy,
  startDynamoDbFaultProxy,
} from '../../../../../infra/local/emulator/dynamodb/fault-proxy.js';
import type { DynamoDbCallContext, DynamoDbFault } from '../../../../../infra/local/emulator/fault-hooks.js';

/** The faults the next calls through the proxy get, in order; calls past the list pass untouched. */
const planned: (DynamoDbFault | undefined)[] = [];
const seen: Omit<DynamoDbCallContext, 'random'>[] = [];

let proxy: DynamoDbFaultProxy;
let direct: DynamoDBClient;
const clients: DynamoDBClient[] = [];
const table = `chaos-proxy-${randomUUID().slice(0, 8)}`;

/** A client that reaches DynamoDB Local through the proxy, as a function's SDK does. */
const throughProxy = (maxAttempts?: number) => {
  const client = new DynamoDBClient({
    ...LOCAL_AWS,
    endpoint: proxy.endpoint,
    ...(maxAttempts !== undefined && { maxAttempts }),
  });
  clients.push(client);
  return client;
};

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
    onCall: (context) => {
      seen.push(context);
      return planned.shift();
    },
  });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  direct?.destroy();
  await proxy?.close();
});

const put = (pk: string, options: { onlyIfAbsent?: boolean } = {}) =>
  new PutItemCommand({
    TableName: table,
    Item: { pk: { S: pk }, note: { S: 'written' } },
    ...(options.onlyIfAbsent && { ConditionExpression: 'attribute_not_exists(pk)' }),
  });

const stored = async (pk: string) =>
  (await direct.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true })))
    .Item;

describe('the DynamoDB fault proxy', () => {
  it('passes an untouched call through, telling the hook its operation and table', async () => {
    seen.length = 0;
    const pk = randomUUID();

    await throughProxy().send(put(pk));

    expect(await stored(pk)).toMatchObject({ note: { S: 'written' } });
    expect(seen).toEqual([{ operation: 'PutItem', tableName: table }]);
  });

  it('throttles a call as DynamoDB does, without it reaching DynamoDB', async () => {
    const pk = randomUUID();
    planned.push({ throttle: true });

    const error = await throughProxy(1)
      .send(put(pk))
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(await stored(pk)).toBeUndefined();
  });

  it('lets the SDK retry a throttled call by itself', async () => {
    seen.length = 0;
    const pk = randomUUID();
    planned.push({ throttle: true });

    const response = await throughProxy().send(put(pk));

    expect(response.$metadata.attempts).toBe(2);
    expect(seen).toHaveLength(2);
    expect(await stored(pk)).toBeDefined();
  });

  it('applies a write and then loses its response as a 500 InternalServerError', async () => {
    const pk = randomUUID();
    planned.push({ loseResponse: 'internal-error' });

    const error = await throughProxy(1)
      .send(put(pk))
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
    expect(await stored(pk)).toMatchObject({ note: { S: 'written' } });
  });

  it('applies a write and then loses its response by resetting the connection', async () => {
    const pk = randomUUID();
    planned.push({ loseResponse: 'reset' });

    const error = await throughProxy(1)
      .send(put(pk))
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(await stored(pk)).toMatchObject({ note: { S: 'written' } });
  });

  it("fails the SDK's own retry of a conditional write whose response was lost, although the write took effect", async () => {
    const pk = randomUUID();
    planned.push({ loseResponse: 'reset' });

    const error = await throughProxy()
      .send(put(pk, { onlyIfAbsent: true }))
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect((error as ConditionalCheckFailedException).$metadata.attempts).toBe(2);
    expect(await stored(pk)).toMatchObject({ note: { S: 'written' } });
  });
});
