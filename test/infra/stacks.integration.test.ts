/**
 * One stack per owner, each deployable on its own: the stacks, what each owns, and that none is locked to
 * another (no export, no import, no reference to another stack's resources but by name).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SharedNames, STACK_NAMES, StackNames } from '../../infra/project.js';
import { defaultTableName, type StackTableName } from '../../infra/tables.js';
import { Sources } from '../../shared/events/index.js';
import { sharedTemplates, type Template } from './support/synth.js';
import {
  actionsOf,
  localArn,
  refOf,
  resourcesOf,
  resourcesOfType,
  type Statement,
  tablesByName,
  textOf,
} from './support/template.js';

let stacks: Record<string, Template>;

beforeAll(async () => {
  stacks = await sharedTemplates();
});

/** Every statement of every identity policy in a stack: roles' inline policies, policies, managed policies. */
const identityStatements = (template: Template): Statement[] =>
  Object.values(template.Resources).flatMap((resource) => {
    if (resource.Type === 'AWS::IAM::Role')
      return (
        (resource.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
      ).flatMap((policy) => policy.PolicyDocument.Statement);
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
      return (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    return [];
  });

/** DynamoDB actions that change a table. */
const WRITES = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|PartiQL(Insert|Update|Delete)|\*)$/;

/** The physical name of each table a stack creates. */
const tableNamesOf = (template: Template): string[] =>
  resourcesOfType(template, 'AWS::DynamoDB::Table').map(([, table]) => table.Properties.TableName as string);

/** The tables a statement's resources designate: a table of the same stack by reference, or any by its ARN. */
const tablesIn = (template: Template, statement: Statement): string[] =>
  resourcesOf(statement).flatMap((resource) => {
    const id = refOf(resource);
    const referenced = id === undefined ? undefined : template.Resources[id];
    if (referenced?.Type === 'AWS::DynamoDB::Table') return [referenced.Properties.TableName as string];
    const match = /:table\/([^/]+)/.exec(textOf(resource) ?? '');
    return match?.[1] === undefined ? [] : [match[1]];
  });

describe('the stacks', () => {
  it('are the bus, the three services and the audit, under one prefix', () => {
    expect(Object.keys(stacks).sort()).toStrictEqual([...STACK_NAMES].sort());
    expect(STACK_NAMES).toStrictEqual([
      'OrderSaga-Bus',
      'OrderSaga-Order',
      'OrderSaga-Payment',
      'OrderSaga-Inventory',
      'OrderSaga-Audit',
    ]);
  });

  it("import nothing from one another and export nothing: each finds the others' resources by name", () => {
    for (const [name, template] of Object.entries(stacks)) {
      expect(JSON.stringify(template), name).not.toContain('Fn::ImportValue');
      for (const [output, { Export }] of Object.entries(
        (template.Outputs ?? {}) as Record<string, { Export?: unknown }>,
      ))
        expect(Export, `${name}.${output}`).toBeUndefined();
      const parameters = Object.keys((template.Parameters ?? {}) as Record<string, unknown>);
      expect(
        parameters.filter((parameter) => parameter !== 'BootstrapVersion'),
        name,
      ).toStrictEqual([]);
    }
  });

  it('hold the bus and its archive in the bus stack only', () => {
    for (const [name, template] of Object.entries(stacks)) {
      const owns = name === StackNames.bus;
      for (const type of ['AWS::Events::EventBus', 'AWS::Events::Archive', 'AWS::SNS::Topic'])
        expect(resourcesOfType(template, type).length > 0, `${name} ${type}`).toBe(owns);
    }
  });

  it("hold each service's tables in that service's stack, under the names the others find them by", () => {
    const owned: Record<string, StackTableName[]> = {
      [StackNames.order]: ['orders', 'orderIdempotency'],
      [StackNames.payment]: ['payments', 'paymentGateway', 'paymentIdempotency'],
      [StackNames.inventory]: ['inventory', 'inventoryIdempotency'],
      [StackNames.audit]: ['audit'],
      [StackNames.bus]: [],
    };
    for (const [name, template] of Object.entries(stacks)) {
      expect(tableNamesOf(template).sort(), name).toStrictEqual(
        (owned[name] ?? []).map(defaultTableName).sort(),
      );
      expect(Object.keys(tablesByName(template)).sort(), name).toStrictEqual([...(owned[name] ?? [])].sort());
    }
  });

  it("let no stack but a service's own write that service's tables", () => {
    for (const [name, template] of Object.entries(stacks)) {
      const own = new Set(tableNamesOf(template));
      const written = identityStatements(template)
        .filter(
          (statement) => statement.Effect === 'Allow' && actionsOf(statement).some((a) => WRITES.test(a)),
        )
        .flatMap((statement) => tablesIn(template, statement));

      expect(
        written.filter((table) => !own.has(table)),
        name,
      ).toStrictEqual([]);
    }
  });

  it('let only the audit read another stack’s tables: the orders, payments and inventory, by key', () => {
    for (const [name, template] of Object.entries(stacks)) {
      const own = new Set(tableNamesOf(template));
      const foreign = identityStatements(template)
        .filter((statement) => statement.Effect === 'Allow')
        .flatMap((statement) =>
          tablesIn(template, statement).map((table) => [table, actionsOf(statement)] as const),
        )
        .filter(([table]) => !own.has(table));
      const expected =
        name === StackNames.audit
          ? (['orders', 'payments', 'inventory'] as const).map((table) => [
              defaultTableName(table),
              ['dynamodb:BatchGetItem'],
            ])
          : [];

      expect(foreign.map((entry) => JSON.stringify(entry)).sort(), name).toStrictEqual(
        expected.map((entry) => JSON.stringify(entry)).sort(),
      );
    }
  });

  it('subscribe each consumer from its own stack, with a rule on the shared bus', () => {
    const busStack = stacks[StackNames.bus] as Template;
    expect(resourcesOfType(busStack, 'AWS::Events::Rule')).toStrictEqual([]);
    for (const [name, template] of Object.entries(stacks).filter(([stack]) => stack !== StackNames.bus))
      for (const [id, rule] of resourcesOfType(template, 'AWS::Events::Rule').filter(
        ([, rule]) => rule.Properties.ScheduleExpression === undefined,
      ))
        expect(rule.Properties.EventBusName, `${name} ${id}`).toBe(SharedNames.bus);
  });

  it('add to the bus policy, from each producing stack, the statement that refuses its own sources', () => {
    const owners: Record<string, string[]> = {
      [StackNames.order]: [Sources.orders, Sources.storefront],
      [StackNames.payment]: [Sources.payments],
      [StackNames.inventory]: [Sources.inventory],
      [StackNames.audit]: [Sources.sagaAudit],
      [StackNames.bus]: [],
    };
    for (const [name, template] of Object.entries(stacks)) {
      const refused = resourcesOfType(template, 'AWS::Events::EventBusPolicy')
        .map(([, policy]) => policy.Properties.Statement as Statement)
        .filter((statement) => statement.Effect === 'Deny')
        .flatMap(
          (statement) => statement.Condition?.['ForAnyValue:StringEquals']?.['events:source'] as string[],
        );

      expect(refused.sort(), name).toStrictEqual([...(owners[name] ?? [])].sort());
    }
  });

  it('notify the bus stack’s alarm topic, which each finds by its name', () => {
    for (const [name, template] of Object.entries(stacks).filter(([stack]) => stack !== StackNames.bus)) {
      const actions = resourcesOfType(template, 'AWS::CloudWatch::Alarm').flatMap(
        ([, alarm]) => alarm.Properties.AlarmActions as unknown[],
      );
      expect(actions.length, name).toBeGreaterThan(0);
      expect(new Set(actions.map(textOf)), name).toStrictEqual(
        new Set([localArn('sns', SharedNames.alarmTopic)]),
      );
    }
  });
});
