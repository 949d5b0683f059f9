import type { RemovalPolicy } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type ServiceName, type TableNaming, TableSpecs } from '../tables.js';
import type { SharedBus } from './event-bus.js';
import type { SagaFunction } from './saga-function.js';
import { SagaTable } from './saga-table.js';

/** What every service construct is given by the stack. */
export type ServiceProps = {
  bus: SharedBus;
  /** The physical name of each table. */
  tableName: TableNaming;
  removalPolicy: RemovalPolicy;
};

/**
 * What every service construct exposes: its tables (by their stack output name: a `TableSpecs` name, or
 * `<service>Idempotency` for its own idempotency table) and its functions.
 */
export type Service = {
  readonly tables: Readonly<Record<string, SagaTable>>;
  readonly functions: readonly SagaFunction[];
};

/**
 * A service's own table of Powertools idempotency records. One per service, not one for the stack: a
 * function's role reaches only its service's records, so a compromised function cannot mark another
 * service's work (a refund, a release) as already done. IAM scopes it by table ARN, with no dependence on
 * Powertools' key format or on the generated function names its keys start with.
 */
export const idempotencyTableOf = (
  scope: Construct,
  service: ServiceName,
  { tableName, removalPolicy }: ServiceProps,
): SagaTable =>
  new SagaTable(scope, 'IdempotencyTable', {
    spec: TableSpecs.idempotency,
    tableName: tableName(`${service}Idempotency`),
    removalPolicy,
  });
