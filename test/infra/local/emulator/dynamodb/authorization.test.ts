import { describe, expect, it } from 'vitest';
import { dynamoDbAccesses } from '../../../../../infra/local/emulator/dynamodb/authorization.js';

// Pages: "Actions, resources, and condition keys for Amazon DynamoDB"; "Using IAM policy conditions for
// fine-grained access control" (dynamodb:LeadingKeys); TransactWriteItems and BatchGetItem in the API reference.
const partitionKeys: Record<string, string> = { orders: 'orderId', stock: 'sku' };
const accesses = (operation: string, input: Record<string, unknown>) =>
  dynamoDbAccesses(operation, input, (table) => partitionKeys[table]);

describe('What IAM authorizes for a DynamoDB call', () => {
  it('authorizes an item operation as itself on its table, with the partition key as dynamodb:LeadingKeys', () => {
    expect(
      accesses('PutItem', { TableName: 'orders', Item: { orderId: { S: 'o-1' }, n: { N: '2' } } }),
    ).toEqual([{ action: 'dynamodb:PutItem', tableName: 'orders', leadingKeys: ['o-1'] }]);
  });

  it('reads the leading key of a GetItem, UpdateItem or DeleteItem from its Key', () => {
    for (const operation of ['GetItem', 'UpdateItem', 'DeleteItem'])
      expect(accesses(operation, { TableName: 'stock', Key: { sku: { S: 'A' } } })).toEqual([
        { action: `dynamodb:${operation}`, tableName: 'stock', leadingKeys: ['A'] },
      ]);
  });

  it('authorizes a Query of an index on the index', () => {
    expect(accesses('Query', { TableName: 'orders', IndexName: 'by-status' })).toEqual([
      { action: 'dynamodb:Query', tableName: 'orders', indexName: 'by-status' },
    ]);
  });

  it('authorizes a Query of the table itself on the table, with no leading keys (its key condition is not read)', () => {
    expect(accesses('Query', { TableName: 'orders', KeyConditionExpression: 'orderId = :id' })).toEqual([
      { action: 'dynamodb:Query', tableName: 'orders' },
    ]);
  });

  it('authorizes a BatchGetItem as BatchGetItem on each table, with that table’s leading keys', () => {
    const input = {
      RequestItems: {
        orders: { Keys: [{ orderId: { S: 'o-1' } }, { orderId: { S: 'o-2' } }] },
        stock: { Keys: [{ sku: { S: 'A' } }] },
      },
    };

    expect(accesses('BatchGetItem', input)).toEqual([
      { action: 'dynamodb:BatchGetItem', tableName: 'orders', leadingKeys: ['o-1', 'o-2'] },
      { action: 'dynamodb:BatchGetItem', tableName: 'stock', leadingKeys: ['A'] },
    ]);
  });

  it('authorizes a BatchWriteItem as BatchWriteItem on each table', () => {
    const input = {
      RequestItems: {
        orders: [
          { PutRequest: { Item: { orderId: { S: 'o-1' } } } },
          { DeleteRequest: { Key: { orderId: { S: 'o-2' } } } },
        ],
      },
    };

    expect(accesses('BatchWriteItem', input)).toEqual([
      { action: 'dynamodb:BatchWriteItem', tableName: 'orders', leadingKeys: ['o-1', 'o-2'] },
    ]);
  });

  it('authorizes a TransactWriteItems item by item, as the action each item performs on its table', () => {
    const input = {
      TransactItems: [
        { Update: { TableName: 'stock', Key: { sku: { S: 'A' } } } },
        { ConditionCheck: { TableName: 'orders', Key: { orderId: { S: 'o-1' } } } },
        { Put: { TableName: 'orders', Item: { orderId: { S: 'o-1' } } } },
        { Delete: { TableName: 'stock', Key: { sku: { S: 'B' } } } },
      ],
    };

    expect(
      accesses('TransactWriteItems', input).map(({ action, tableName }) => `${action} ${tableName}`),
    ).toEqual([
      'dynamodb:UpdateItem stock',
      'dynamodb:ConditionCheckItem orders',
      'dynamodb:PutItem orders',
      'dynamodb:DeleteItem stock',
    ]);
  });

  it('authorizes a TransactGetItems as GetItem on each item’s table', () => {
    const input = { TransactItems: [{ Get: { TableName: 'orders', Key: { orderId: { S: 'o-1' } } } }] };

    expect(accesses('TransactGetItems', input)).toEqual([
      { action: 'dynamodb:GetItem', tableName: 'orders', leadingKeys: ['o-1'] },
    ]);
  });

  it('authorizes an operation that names no table on no table (ListTables)', () => {
    expect(accesses('ListTables', {})).toEqual([{ action: 'dynamodb:ListTables', tableName: undefined }]);
  });

  it('gives no leading keys for a table whose partition key it does not know', () => {
    expect(accesses('GetItem', { TableName: 'elsewhere', Key: { id: { S: 'x' } } })).toEqual([
      { action: 'dynamodb:GetItem', tableName: 'elsewhere' },
    ]);
  });
});
