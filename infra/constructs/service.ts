import type { RemovalPolicy } from 'aws-cdk-lib';
import type { SagaEventBus } from './event-bus.js';
import type { SagaFunction } from './saga-function.js';
import type { SagaTable } from './saga-table.js';

/** What every service construct is given by the stack. */
export type ServiceProps = {
  bus: SagaEventBus;
  /** Powertools idempotency records of every consumer. */
  idempotencyTable: SagaTable;
  removalPolicy: RemovalPolicy;
};

/** What every service construct exposes: its tables (by their `TableSpecs` name) and its functions. */
export type Service = {
  readonly tables: Readonly<Record<string, SagaTable>>;
  readonly functions: readonly SagaFunction[];
};
