/** Reading a synthesized template: resources by type, references, roles' statements, the services' tables. */
import { expect } from 'vitest';
import { SharedNames } from '../../../infra/project.js';
import type { ServiceName, StackTableName } from '../../../infra/tables.js';
import type { EventDefinition } from '../../../shared/events/index.js';
import {
  InventoryReleased,
  InventoryReservationFailed,
  InventoryReservationVoided,
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
  PaymentFailed,
  PaymentProcessed,
  PaymentRefunded,
  PaymentVoided,
  Sources,
} from '../../../shared/events/index.js';
import type { Template } from './synth.js';

type Resource = Template['Resources'][string];

/** The audit workflow, as a consumer in the tables below. */
export const AUDIT = 'the saga audit';

/**
 * Who consumes what: DESIGN.md's event table, one row per (consumer, event). A consumer is a handler's
 * entry file, or the audit workflow.
 */
export const Subscriptions: { consumer: string; event: EventDefinition }[] = [
  { consumer: 'services/order/handlers/on-order-placed.ts', event: OrderPlaced },
  { consumer: 'services/order/handlers/on-payment-failed.ts', event: PaymentFailed },
  { consumer: 'services/order/handlers/on-inventory-reserved.ts', event: InventoryReserved },
  {
    consumer: 'services/order/handlers/on-inventory-reservation-failed.ts',
    event: InventoryReservationFailed,
  },
  { consumer: 'services/payment/handlers/on-order-placed.ts', event: OrderPlaced },
  { consumer: 'services/payment/handlers/on-order-cancelled.ts', event: OrderCancelled },
  { consumer: 'services/inventory/handlers/on-payment-processed.ts', event: PaymentProcessed },
  { consumer: 'services/inventory/handlers/on-order-cancelled.ts', event: OrderCancelled },
  { consumer: AUDIT, event: OrderConfirmed },
  { consumer: AUDIT, event: OrderCancelled },
  { consumer: AUDIT, event: PaymentRefunded },
  { consumer: AUDIT, event: PaymentVoided },
  { consumer: AUDIT, event: InventoryReleased },
  { consumer: AUDIT, event: InventoryReservationVoided },
];

/** The deadline sweep: run by a schedule, it consumes no event of the contract. */
export const DEADLINE_SWEEP = 'services/order/handlers/on-deadline.ts';

export type { ServiceName };

/** What each service owns: its tables, its own idempotency table and its events' source. */
export const Services: Record<
  ServiceName,
  { tables: StackTableName[]; idempotency: StackTableName; source: string }
> = {
  order: { tables: ['orders'], idempotency: 'orderIdempotency', source: Sources.orders },
  payment: {
    tables: ['payments', 'paymentGateway'],
    idempotency: 'paymentIdempotency',
    source: Sources.payments,
  },
  inventory: { tables: ['inventory'], idempotency: 'inventoryIdempotency', source: Sources.inventory },
};

/** Every handler entry file the stack must deploy, each exactly once. */
export const Handlers = [
  ...new Set([...Subscriptions.map((s) => s.consumer).filter((c) => c !== AUDIT), DEADLINE_SWEEP]),
];

export const serviceOf = (entry: string): ServiceName => {
  const service = /^services\/(\w+)\//.exec(entry)?.[1];
  if (service !== 'order' && service !== 'payment' && service !== 'inventory') {
    throw new Error(`Not a service handler: ${entry}`);
  }
  return service;
};

/** The resource of a logical id, which must exist. */
export const resourceOf = (template: Template, id: string | undefined): Resource => {
  const resource = id === undefined ? undefined : template.Resources[id];
  if (!resource) throw new Error(`The template has no resource ${id}`);
  return resource;
};

/** `[logicalId, resource]` of every resource of the type. */
export const resourcesOfType = (template: Template, type: string): [string, Resource][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

/** The logical id a `Ref` or `Fn::GetAtt` points to; undefined for anything else. */
export const refOf = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const { Ref: ref, 'Fn::GetAtt': getAtt } = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof ref === 'string') return ref;
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
};

/** Every logical id referenced anywhere inside `value` (Ref, Fn::GetAtt, nested in Fn::Join and so on). */
export const referencedIds = (value: unknown): Set<string> => {
  const ids = new Set<string>();
  const visit = (node: unknown) => {
    const ref = refOf(node);
    if (ref) ids.add(ref);
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) Object.values(node).forEach(visit);
  };
  visit(value);
  return ids;
};

/** The handler entry file a function runs, from its description. */
export const entryOf = (fn: Resource): string | undefined =>
  /(services\/\S+\.ts)$/.exec(String(fn.Properties.Description ?? ''))?.[1];

/** The storefront API's router: deployed once per route, its functions are checked by storefront-api.test.ts. */
export const STOREFRONT_API_ENTRY = 'services/order/handlers/http-api.ts';

/** Logical id of the function of each handler entry file (the storefront API's aside). */
export const functionsByEntry = (template: Template): Map<string, string> => {
  const functions = new Map<string, string>();
  for (const [id, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const entry = entryOf(fn);
    if (entry === undefined)
      throw new Error(`Function ${id} does not name its entry file in its description`);
    if (entry === STOREFRONT_API_ENTRY) continue;
    expect(functions.has(entry), `${entry} is deployed twice`).toBe(false);
    functions.set(entry, id);
  }
  return functions;
};

/** Logical id of each table, by its stack output name (from the stack's outputs, which name every table). */
export const tablesByName = (template: Template): Record<StackTableName, string> => {
  const tables: Partial<Record<StackTableName, string>> = {};
  for (const [outputId, output] of Object.entries(template.Outputs ?? {})) {
    const match = /^(\w+)TableName$/.exec(outputId);
    const id = refOf(output.Value);
    if (match?.[1] && id) tables[`${match[1][0]?.toLowerCase()}${match[1].slice(1)}` as StackTableName] = id;
  }
  return tables as Record<StackTableName, string>;
};

/** The single resource of a type. */
export const onlyResourceOfType = (template: Template, type: string): [string, Resource] => {
  const resources = resourcesOfType(template, type);
  expect(resources, `exactly one ${type}`).toHaveLength(1);
  return resources[0] as [string, Resource];
};

export type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** Every statement a role is given: its inline policies and the policies attached to it. */
export const statementsOfRole = (template: Template, roleId: string): Statement[] => {
  const role = template.Resources[roleId];
  const inline = (
    (role?.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
  ).flatMap((policy) => policy.PolicyDocument.Statement);
  const attached = resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => ((policy.Properties.Roles ?? []) as unknown[]).some((r) => refOf(r) === roleId))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  return [...inline, ...attached];
};

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

/**
 * A value as text, the way CloudFormation will make it: `Fn::Join` flattened and a pseudo parameter's `Ref` as
 * `${AWS::Name}` (`arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/order-saga`);
 * undefined when it holds anything else (a resource's Ref or GetAtt).
 */
export const textOf = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  const ref = (value as { Ref?: unknown } | null)?.Ref;
  if (typeof ref === 'string') return ref.startsWith('AWS::') ? `\${${ref}}` : undefined;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (!Array.isArray(join)) return undefined;
  const parts = join[1].map(textOf);
  return parts.every((part) => part !== undefined) ? parts.join(join[0]) : undefined;
};

/** The ARN of a resource of this account and region, as {@link textOf} writes it. */
export const localArn = (service: string, resource: string) =>
  `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`;

/**
 * Whether a value is the saga bus: its ARN, which every stack builds from the bus's name, or (in the bus
 * stack) a reference to the bus itself.
 */
export const isSagaBus = (template: Template, value: unknown): boolean =>
  textOf(value) === localArn('events', `event-bus/${SharedNames.bus}`) ||
  template.Resources[refOf(value) ?? '']?.Type === 'AWS::Events::EventBus';
