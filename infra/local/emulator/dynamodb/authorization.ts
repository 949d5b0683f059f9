/**
 * What IAM authorizes for one DynamoDB API call ("Actions, resources, and condition keys for Amazon
 * DynamoDB"; "Using IAM policy conditions for fine-grained access control"): the action on each table (or
 * index) the call touches.
 *
 * - Item and query operations (`GetItem`, `PutItem`, `UpdateItem`, `DeleteItem`, `Query`, `Scan`, ...) are
 *   their own action on the table named, or on `table/<name>/index/<index>` for a Query or Scan of an index.
 * - `BatchGetItem` and `BatchWriteItem` are authorized as themselves once per table of `RequestItems`.
 * - A transaction is authorized item by item, as the action each item performs: `TransactWriteItems` as
 *   `PutItem`, `UpdateItem`, `DeleteItem` or `ConditionCheckItem`, `TransactGetItems` as `GetItem`.
 * - `dynamodb:LeadingKeys` holds the partition key values the call reads or writes (of `Key` or `Item`),
 *   for the operations that name their items; a Query's key condition is not parsed, so it has none.
 * - An operation that names no table (`ListTables`) is authorized on `*`.
 */

/** One action IAM authorizes on one table or index. */
export type DynamoDbAccess = {
  action: string;
  tableName: string | undefined;
  indexName?: string;
  /** The partition key values of the items the action names, when it names them. */
  leadingKeys?: string[];
};

type Json = Record<string, unknown>;

/** A DynamoDB JSON attribute value as IAM compares it: its scalar's text. */
const scalarOf = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const [scalar] = Object.values(value as Json);
  return typeof scalar === 'string' || typeof scalar === 'number' ? String(scalar) : undefined;
};

/** The partition key values of some items (keys or whole items) of a table. */
const leadingKeysOf = (items: unknown[], partitionKey: string | undefined): string[] | undefined => {
  if (partitionKey === undefined) return undefined;
  const values = items.map((item) => scalarOf((item as Json | undefined)?.[partitionKey]));
  return values.every((value) => value !== undefined) ? [...new Set(values as string[])] : undefined;
};

/** The partition key of a table, by its name as the call names it. */
export type PartitionKeyOf = (tableName: string) => string | undefined;

const access = (
  action: string,
  tableName: unknown,
  items: unknown[] | undefined,
  partitionKeyOf: PartitionKeyOf,
): DynamoDbAccess => {
  const name = typeof tableName === 'string' ? tableName : undefined;
  const leadingKeys = items && name !== undefined ? leadingKeysOf(items, partitionKeyOf(name)) : undefined;
  return { action: `dynamodb:${action}`, tableName: name, ...(leadingKeys && { leadingKeys }) };
};

const TRANSACT_WRITE: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

/** The actions of a transaction's items, each on its table. */
const transactionAccesses = (input: Json, partitionKeyOf: PartitionKeyOf, actions: Record<string, string>) =>
  ((input.TransactItems ?? []) as Json[]).flatMap((item) =>
    Object.entries(item)
      .filter(([kind]) => kind in actions)
      .map(([kind, request]) => {
        const { TableName, Key, Item } = (request ?? {}) as Json;
        return access(actions[kind] as string, TableName, [Key ?? Item], partitionKeyOf);
      }),
  );

/** The action of a batch on each table of its `RequestItems`. */
const batchAccesses = (operation: string, input: Json, partitionKeyOf: PartitionKeyOf) =>
  Object.entries((input.RequestItems ?? {}) as Json).map(([tableName, requests]) => {
    const items =
      operation === 'BatchGetItem'
        ? ((requests as Json | undefined)?.Keys as unknown[] | undefined)
        : ((requests ?? []) as Json[]).map(
            (request) =>
              (request.PutRequest as Json | undefined)?.Item ??
              (request.DeleteRequest as Json | undefined)?.Key,
          );
    return access(operation, tableName, items, partitionKeyOf);
  });

/** Everything IAM authorizes for a call of `operation` with `input` (its JSON request). */
export const dynamoDbAccesses = (
  operation: string,
  input: Json,
  partitionKeyOf: PartitionKeyOf,
): DynamoDbAccess[] => {
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return batchAccesses(operation, input, partitionKeyOf);
    case 'TransactWriteItems':
      return transactionAccesses(input, partitionKeyOf, TRANSACT_WRITE);
    case 'TransactGetItems':
      return transactionAccesses(input, partitionKeyOf, { Get: 'GetItem' });
    case 'Query':
    case 'Scan': {
      const found = access(operation, input.TableName, undefined, partitionKeyOf);
      return [typeof input.IndexName === 'string' ? { ...found, indexName: input.IndexName } : found];
    }
    default: {
      const item = input.Key ?? input.Item;
      return [access(operation, input.TableName, item === undefined ? undefined : [item], partitionKeyOf)];
    }
  }
};
