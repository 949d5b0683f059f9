/** The one table creator of the emulator: a table of the template (or any table shaped like one) in DynamoDB Local. */
import {
  type AttributeDefinition,
  CreateTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { LocalTable } from '../cloud-assembly/model.js';

/** What creating a table needs: a template's table without its logical id; key types default to `S`. */
export type TableDefinition = Omit<
  LocalTable,
  'logicalId' | 'arn' | 'attributeTypes' | 'globalSecondaryIndexes'
> & {
  attributeTypes?: LocalTable['attributeTypes'];
  globalSecondaryIndexes?: LocalTable['globalSecondaryIndexes'];
};

const keySchema = (partitionKey: string, sortKey?: string): KeySchemaElement[] => [
  { AttributeName: partitionKey, KeyType: 'HASH' },
  ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' as const }] : []),
];

/** Every key attribute of the table and its indexes, once each, with its type. */
const attributeDefinitions = (table: TableDefinition): AttributeDefinition[] => {
  const indexes = table.globalSecondaryIndexes ?? [];
  const keyNames = [
    table.partitionKey,
    table.sortKey,
    ...indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ].filter((name): name is string => name !== undefined);
  return [...new Set(keyNames)].map((name) => ({
    AttributeName: name,
    AttributeType: table.attributeTypes?.[name] ?? 'S',
  }));
};

/** Creates a table on demand (pay per request): keys with their types, GSIs, TTL and stream. */
export const createTable = async (client: DynamoDBClient, table: TableDefinition): Promise<void> => {
  const indexes = table.globalSecondaryIndexes ?? [];
  await client.send(
    new CreateTableCommand({
      TableName: table.tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributeDefinitions(table),
      KeySchema: keySchema(table.partitionKey, table.sortKey),
      ...(indexes.length > 0 && {
        GlobalSecondaryIndexes: indexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: keySchema(index.partitionKey, index.sortKey),
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
      ...(table.streamViewType && {
        StreamSpecification: {
          StreamEnabled: true,
          StreamViewType: table.streamViewType as 'NEW_AND_OLD_IMAGES',
        },
      }),
    }),
  );
  if (table.timeToLiveAttribute) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: table.tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: table.timeToLiveAttribute },
      }),
    );
  }
};
