/**
 * The deployment's settings, read from the CDK context (`cdk.json`, or `-c name=value`), each checked with an
 * error that names the key and what it accepts. A value may be given inline or, for the JSON ones, as
 * `file://path` (relative to the working directory).
 */
import { readFileSync } from 'node:fs';
import { RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { StackNames, type StackOwner } from '../project.js';
import { defaultTableName, type StackTableName, type TableNaming } from '../tables.js';

/** The context values the app reads. */
export const ContextKeys = {
  /** `retain` (default) or `destroy`: what happens to tables, queues and logs when a stack is deleted. */
  removalPolicy: 'removalPolicy',
  /** Seconds an order may stay PENDING before the deadline sweep cancels it (default 900). */
  orderDeadlineSeconds: 'orderDeadlineSeconds',
  /** An e-mail address the alarm topic notifies (absent: no subscription; subscribe later). */
  alarmEmail: 'alarmEmail',
  /** Physical names of tables, by table (`{"orders": "..."}`), to adopt existing tables (docs/deploy.md). */
  tableNames: 'tableNames',
  /** One account per owner (`{"bus": "111111111111", "payment": "222222222222", ...}`). */
  accounts: 'accounts',
} as const;

export const DEFAULT_ORDER_DEADLINE_SECONDS = 900;

/** The settings every stack of the app is built with. */
export type Settings = {
  removalPolicy: RemovalPolicy;
  deadlineSeconds: number;
  alarmEmail?: string;
  tableName: TableNaming;
  /** The account of each owner's stack, when the deployment spreads them over accounts. */
  accounts?: Partial<Record<StackOwner, string>>;
};

const fail = (key: string, expected: string, value: unknown): never => {
  throw new Error(`Context ${key} must be ${expected}, got ${JSON.stringify(value)}`);
};

const removalPolicyFrom = (value: unknown): RemovalPolicy => {
  if (value === undefined || value === 'retain') return RemovalPolicy.RETAIN;
  if (value === 'destroy') return RemovalPolicy.DESTROY;
  return fail(ContextKeys.removalPolicy, '"retain" or "destroy"', value);
};

const deadlineSecondsFrom = (value: unknown): number => {
  if (value === undefined) return DEFAULT_ORDER_DEADLINE_SECONDS;
  const seconds = Number(value);
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    return fail(ContextKeys.orderDeadlineSeconds, 'a positive integer of seconds', value);
  }
  return seconds;
};

const alarmEmailFrom = (value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
    return fail(ContextKeys.alarmEmail, 'an e-mail address', value);
  }
  return value;
};

/** A JSON object given inline, as a JSON string, or as `file://path`. */
const objectFrom = (key: string, value: unknown): Record<string, unknown> | undefined => {
  if (value === undefined) return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(
        value.startsWith('file://') ? readFileSync(value.slice('file://'.length), 'utf8') : value,
      );
    } catch (error) {
      return fail(key, `a JSON object or file://path to one (${(error as Error).message})`, value);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail(key, 'a JSON object or file://path to one', value);
  }
  return parsed as Record<string, unknown>;
};

/** Names of the given tables; each must be a table of the app and a valid DynamoDB table name. */
const tableNamingFrom = (value: unknown): TableNaming => {
  const names = objectFrom(ContextKeys.tableNames, value) ?? {};
  const known = new Set<string>(Object.keys(tableOutputNames));
  for (const [table, name] of Object.entries(names)) {
    if (!known.has(table))
      fail(ContextKeys.tableNames, `keyed by tables of the app (${[...known].join(', ')})`, table);
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(name)) {
      fail(ContextKeys.tableNames, `a map of valid DynamoDB table names (${table})`, name);
    }
  }
  return (table) => (names[table] as string | undefined) ?? defaultTableName(table);
};

/** The owners' accounts: 12-digit account ids keyed by owner. */
const accountsFrom = (value: unknown): Settings['accounts'] => {
  const accounts = objectFrom(ContextKeys.accounts, value);
  if (accounts === undefined) return undefined;
  for (const [owner, account] of Object.entries(accounts)) {
    if (!(owner in StackNames))
      fail(ContextKeys.accounts, `keyed by ${Object.keys(StackNames).join(', ')}`, owner);
    if (typeof account !== 'string' || !/^\d{12}$/.test(account)) {
      fail(ContextKeys.accounts, `a map of 12-digit account ids (${owner})`, account);
    }
  }
  if (accounts.bus === undefined) fail(ContextKeys.accounts, 'a map that names the bus account', accounts);
  return accounts as Settings['accounts'];
};

/** Every table of the app, by its name in `tableNames` and in the stacks' outputs. */
export const tableOutputNames: Record<StackTableName, true> = {
  orders: true,
  orderIdempotency: true,
  payments: true,
  paymentGateway: true,
  paymentIdempotency: true,
  inventory: true,
  inventoryIdempotency: true,
  audit: true,
};

/** The app's settings from the context of `node` (the app's). */
export const settingsFrom = (node: Node): Settings => {
  const alarmEmail = alarmEmailFrom(node.tryGetContext(ContextKeys.alarmEmail));
  const accounts = accountsFrom(node.tryGetContext(ContextKeys.accounts));
  return {
    removalPolicy: removalPolicyFrom(node.tryGetContext(ContextKeys.removalPolicy)),
    deadlineSeconds: deadlineSecondsFrom(node.tryGetContext(ContextKeys.orderDeadlineSeconds)),
    tableName: tableNamingFrom(node.tryGetContext(ContextKeys.tableNames)),
    ...(alarmEmail !== undefined && { alarmEmail }),
    ...(accounts !== undefined && { accounts }),
  };
};
