import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createTables, localDynamo } from '../support/aws.js';

describe('DynamoDB Local test tables', () => {
  it('creates the orders table with its sparse deadline index', async () => {
    const { client } = localDynamo();
    const tables = await createTables(client, ['orders']);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tables.orders }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'orderId', KeyType: 'HASH' }]);
    expect(Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('open-by-deadline');
  });
});
