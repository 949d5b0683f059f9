import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { LOCAL_AWS } from '../../infra/local/emulator/dynamodb/dynamodb-local.js';
import { createTable } from '../../infra/local/emulator/dynamodb/tables.js';
import { type TableName, TableSpecs } from '../../infra/tables.js';

/** Clients for the DynamoDB Local that the global setup started. */
export const localDynamo = () => {
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: inject('dynamoDbEndpoint') });
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, documentClient };
};

/**
 * Creates fresh tables (unique names, so test files never share state) and returns their names,
 * keyed as in `TableSpecs`.
 */
export const createTables = async <T extends TableName>(
  client: DynamoDBClient,
  names: readonly T[],
): Promise<Record<T, string>> => {
  const suffix = randomUUID().slice(0, 8);
  const entries = await Promise.all(
    names.map(async (name) => {
      const tableName = `${name}-${suffix}`;
      await createTable(client, { tableName, ...TableSpecs[name] });
      return [name, tableName] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<T, string>;
};
