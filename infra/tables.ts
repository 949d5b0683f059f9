/**
 * The key design of every table, as plain data: the CDK constructs build the tables from it, and tests
 * that need a table before the stack is synthesized create it in DynamoDB Local from the same spec.
 */
export type TableSpec = {
  partitionKey: string;
  sortKey?: string;
  /** Attribute holding the expiry epoch (seconds), for DynamoDB TTL. */
  timeToLiveAttribute?: string;
  globalSecondaryIndexes?: { indexName: string; partitionKey: string; sortKey?: string }[];
};

export const TableSpecs = {
  /** One item per order: its status, its lines, the facts received so far, and its deadline while open. */
  orders: {
    partitionKey: 'orderId',
    // Sparse: only open orders carry `openStatus`, so the deadline sweep queries them alone, never scans.
    // Its values are sharded (`OPEN#<shard>`, `UNPUBLISHED#<shard>`) so that no one key takes every write.
    globalSecondaryIndexes: [
      { indexName: 'open-by-deadline', partitionKey: 'openStatus', sortKey: 'deadlineAt' },
    ],
  },
  /** One item per order: the charge, its refund, or a tombstone when the cancellation came first. */
  payments: { partitionKey: 'orderId' },
  /** The simulated payment gateway's own ledger: an external system, kept apart from the payment service's state. */
  paymentGateway: { partitionKey: 'idempotencyKey' },
  /** Stock items (`SKU#<sku>`) and reservations (`RESERVATION#<orderId>`) share one table, for one transaction. */
  inventory: { partitionKey: 'pk' },
  /** Powertools idempotency records, expired by TTL: the key design of each service's own idempotency table. */
  idempotency: { partitionKey: 'id', timeToLiveAttribute: 'expiration' },
  /** The audit's latest verdict per order. */
  audit: { partitionKey: 'orderId' },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TableSpecs;

/** The services of the saga: each has its own idempotency table. */
export type ServiceName = 'order' | 'payment' | 'inventory';

/**
 * Every table the stack deploys, by the name of its stack output (`<Name>TableName`): one per spec, except
 * that the idempotency spec gives each service a table of its own (`orderIdempotency`, ...).
 */
export type StackTableName = Exclude<TableName, 'idempotency'> | `${ServiceName}Idempotency`;

/** The physical name of a table, unless the deployment names it otherwise (`tableNames` context). */
export type TableNaming = (table: StackTableName) => string;

/**
 * The physical name the app gives each table: `order-saga-` and the table's name in kebab case
 * (`paymentIdempotency` -> `order-saga-payment-idempotency`). Named rather than generated, so that the audit,
 * in its own stack, reads the services' tables by name, with no reference (export) to their stacks.
 */
export const defaultTableName: TableNaming = (table) =>
  `order-saga-${table.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
