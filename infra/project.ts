import { fileURLToPath } from 'node:url';

/**
 * The prefix of every stack the app deploys: `cdk deploy --all` deploys the saga, `cdk deploy
 * OrderSaga-Payment` one service alone.
 */
export const STACK_PREFIX = 'OrderSaga';

/** The owners of the saga, each deployed as its own stack. */
export type StackOwner = 'bus' | 'order' | 'payment' | 'inventory' | 'audit';

/** Each owner's stack name, in deployment order: the bus first, the others in any order after it. */
export const StackNames = {
  bus: `${STACK_PREFIX}-Bus`,
  order: `${STACK_PREFIX}-Order`,
  payment: `${STACK_PREFIX}-Payment`,
  inventory: `${STACK_PREFIX}-Inventory`,
  audit: `${STACK_PREFIX}-Audit`,
} as const satisfies Record<StackOwner, string>;

/**
 * The names by which one stack finds what another owns: fixed, so that no stack imports another's outputs
 * (CloudFormation refuses to change an export another stack imports). Tables are named too (`tables.ts`).
 */
export const SharedNames = {
  /** The saga's bus, which the bus stack owns and every service subscribes to and publishes on. */
  bus: 'order-saga',
  /** The topic every alarm of every stack notifies. */
  alarmTopic: 'order-saga-alarms',
  /** The schema registry of the contract. */
  schemaRegistry: 'order-saga',
} as const;

/** Every stack of the app, in deployment order. */
export const STACK_NAMES: readonly string[] = Object.values(StackNames);

/** The repository root (with a trailing separator): entries, the lock file, the payloads and `cdk.out` are found from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * What the synthesized templates and their bundles are made from, relative to the root: the app's code (less
 * `infra/local`, the local runtime), the lock file of its dependencies, and the CDK and TypeScript settings.
 */
export const TEMPLATE_SOURCES = [
  'shared',
  'services',
  'infra',
  'package-lock.json',
  'cdk.json',
  'tsconfig.json',
];
