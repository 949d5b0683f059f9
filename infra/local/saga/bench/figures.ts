/**
 * A run's figures per saga, from the runtime's counters before and after it: what one saga costs in events,
 * deliveries, invocations, executions, state transitions, DynamoDB calls by operation and capacity, and log bytes.
 */
import type { LocalApp } from '../../emulator/cloud-assembly/model.js';
import type { RuntimeStats } from '../../emulator/stats.js';
import type { SagaCounts } from './cost.js';

/** DynamoDB calls per saga of one operation, summed over the tables, with capacity units. */
export type OperationFigures = { calls: number; errors: number; capacityUnits: number };

/** What one saga cost the runtime, on average over the run. */
export type PerSaga = {
  eventsPut: number;
  deliveries: number;
  lambdaInvocations: number;
  lambdaRetries: number;
  executions: number;
  stateTransitions: number;
  bytesLogged: number;
  deadLettered: number;
  /** By function: invocations per saga and mean duration per invocation (ms). */
  lambda: Record<string, { invocations: number; meanDurationMs: number }>;
  /** Undefined when the runtime did not count them (a `saga serve` reached through its endpoint). */
  dynamoDb?: {
    calls: number;
    byOperation: Record<string, OperationFigures>;
    byTable: Record<string, Record<string, OperationFigures>>;
  };
};

const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/** Whether a DynamoDB operation reads (its capacity units are read units). */
export const isRead = (operation: string) => READ_OPERATIONS.has(operation);

const per = (value: number, sagas: number) => Math.round((value / sagas) * 1000) / 1000;

const dynamoDbFigures = (before: RuntimeStats, after: RuntimeStats, sagas: number) => {
  const byOperation: Record<string, OperationFigures> = {};
  const byTable: Record<string, Record<string, OperationFigures>> = {};
  let calls = 0;
  for (const [table, operations] of Object.entries(after.dynamoDbCalls)) {
    for (const [operation, count] of Object.entries(operations)) {
      const earlier = before.dynamoDbCalls[table]?.[operation] ?? { calls: 0, errors: 0, capacityUnits: 0 };
      const delta = {
        calls: count.calls - earlier.calls,
        errors: count.errors - earlier.errors,
        capacityUnits: count.capacityUnits - earlier.capacityUnits,
      };
      if (delta.calls === 0 && delta.capacityUnits === 0) continue;
      calls += delta.calls;
      const total = byOperation[operation] ?? { calls: 0, errors: 0, capacityUnits: 0 };
      total.calls += delta.calls;
      total.errors += delta.errors;
      total.capacityUnits += delta.capacityUnits;
      byOperation[operation] = total;
      byTable[table] = {
        ...byTable[table],
        [operation]: {
          calls: per(delta.calls, sagas),
          errors: per(delta.errors, sagas),
          capacityUnits: per(delta.capacityUnits, sagas),
        },
      };
    }
  }
  for (const [operation, total] of Object.entries(byOperation))
    byOperation[operation] = {
      calls: per(total.calls, sagas),
      errors: per(total.errors, sagas),
      capacityUnits: per(total.capacityUnits, sagas),
    };
  return { calls: per(calls, sagas), byOperation, byTable };
};

/** The counters' growth between two snapshots, per saga. */
export const perSaga = (
  before: RuntimeStats,
  after: RuntimeStats,
  sagas: number,
  countsDynamoDb: boolean,
): PerSaga => {
  const delta = (key: keyof RuntimeStats) => per((after[key] as number) - (before[key] as number), sagas);
  const lambda = Object.fromEntries(
    Object.entries(after.lambdaDurations).flatMap(([fn, now]) => {
      const then = before.lambdaDurations[fn] ?? { invocations: 0, durationMs: 0 };
      const invocations = now.invocations - then.invocations;
      if (invocations === 0) return [];
      const meanDurationMs = Math.round(((now.durationMs - then.durationMs) / invocations) * 10) / 10;
      return [[fn, { invocations: per(invocations, sagas), meanDurationMs }]];
    }),
  );
  return {
    eventsPut: delta('eventsPut'),
    deliveries: delta('deliveries'),
    lambdaInvocations: delta('lambdaInvocations'),
    lambdaRetries: delta('lambdaRetries'),
    executions: delta('executions'),
    stateTransitions: delta('stateTransitions'),
    bytesLogged: delta('bytesLogged'),
    deadLettered: delta('deadLettered'),
    lambda,
    ...(countsDynamoDb && { dynamoDb: dynamoDbFigures(before, after, sagas) }),
  };
};

/** The cost model's inputs from a run's figures and the template (memory sizes, schedule targets, audit table). */
export const sagaCounts = (figures: PerSaga, app: LocalApp): SagaCounts => {
  const memoryOf = (name: string) => app.functions.find((fn) => fn.functionName === name)?.memoryMb ?? 128;
  const scheduled = app.rules
    .filter((rule) => rule.scheduleExpression !== undefined)
    .flatMap((rule) => rule.targets.map((target) => target.arn));
  const auditTable = app.outputs.AuditTableName ?? '';
  let readUnits = 0;
  let writeUnits = 0;
  let failedWrites = 0;
  for (const [operation, count] of Object.entries(figures.dynamoDb?.byOperation ?? {})) {
    if (isRead(operation)) readUnits += count.capacityUnits;
    else {
      writeUnits += count.capacityUnits;
      failedWrites += count.errors;
    }
  }
  const auditWrites = figures.dynamoDb?.byTable[auditTable] ?? {};
  return {
    eventsPut: figures.eventsPut,
    lambda: Object.entries(figures.lambda).map(([functionName, fn]) => ({
      functionName,
      memoryMb: memoryOf(functionName),
      invocations: fn.invocations,
      meanDurationMs: fn.meanDurationMs,
    })),
    scheduledFunctions: app.functions
      .filter((fn) => scheduled.some((arn) => arn === fn.arn || arn.startsWith(`${fn.arn}:`)))
      .map((fn) => fn.functionName),
    expressExecutions: figures.executions,
    readUnits,
    writeUnits,
    failedWrites,
    auditWriteUnits: Object.entries(auditWrites)
      .filter(([operation]) => !isRead(operation))
      .reduce((sum, [, count]) => sum + count.capacityUnits, 0),
    bytesLogged: figures.bytesLogged,
    deadLettered: figures.deadLettered,
  };
};
