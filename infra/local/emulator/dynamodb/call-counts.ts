/**
 * Counts the DynamoDB calls the proxy sees into the runtime's stats, by table and operation, with the
 * capacity units DynamoDB Local reports for each.
 */
import type { DynamoDbCallCount, RuntimeStats } from '../stats.js';
import type { DynamoDbAnswer } from './fault-proxy.js';

/** Adds one answered call to `stats.dynamoDbCalls`; a transaction's units go to each table it spanned. */
export const countDynamoDbAnswer = (stats: RuntimeStats, answer: DynamoDbAnswer): void => {
  const countOf = (tableName: string): DynamoDbCallCount => {
    const byOperation = stats.dynamoDbCalls[tableName] ?? {};
    const count = byOperation[answer.operation] ?? { calls: 0, errors: 0, capacityUnits: 0 };
    byOperation[answer.operation] = count;
    stats.dynamoDbCalls[tableName] = byOperation;
    return count;
  };
  const home = countOf(answer.tableName ?? answer.consumed[0]?.tableName ?? '(none)');
  home.calls++;
  if (!answer.ok) home.errors++;
  for (const { tableName, capacityUnits } of answer.consumed)
    countOf(tableName).capacityUnits += capacityUnits;
};
