import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedNames, StackNames } from '../../infra/project.js';
import { defaultTableName, type StackTableName, type TableName, TableSpecs } from '../../infra/tables.js';
import { EnvNames } from '../../shared/config.js';
import { catalogue, Sources } from '../../shared/events/index.js';
import { jsonSchemaText } from '../../shared/events/json-schema.js';
import {
  mergeTemplates,
  parseTemplates,
  sharedTemplate,
  synthesize,
  type Template,
} from './support/synth.js';
import {
  DEADLINE_SWEEP,
  functionsByEntry,
  onlyResourceOfType,
  refOf,
  resourceOf,
  resourcesOfType,
  Services,
  tablesByName,
  textOf,
} from './support/template.js';

let template: Template;

beforeAll(async () => {
  template = await sharedTemplate();
});

describe('the bus', () => {
  it(`is the custom bus ${SharedNames.bus}`, () => {
    const [, bus] = onlyResourceOfType(template, 'AWS::Events::EventBus');

    expect(bus.Properties.Name).toBe(SharedNames.bus);
  });

  it('archives every event of the account put on it, for replay', () => {
    const [busId] = onlyResourceOfType(template, 'AWS::Events::EventBus');
    const [, archive] = onlyResourceOfType(template, 'AWS::Events::Archive');

    expect(refOf(archive.Properties.SourceArn)).toBe(busId);
    expect(archive.Properties.EventPattern).toStrictEqual({ account: [{ Ref: 'AWS::AccountId' }] });
    expect(archive.Properties.RetentionDays).toBeGreaterThan(0);
  });

  it("accepts events from the bus's own account only (trust.test pins what it refuses)", () => {
    const [busId] = onlyResourceOfType(template, 'AWS::Events::EventBus');
    const allows = resourcesOfType(template, 'AWS::Events::EventBusPolicy').filter(
      ([, policy]) => (policy.Properties.Statement as { Effect: string }).Effect === 'Allow',
    );

    expect(allows).toHaveLength(1);
    const [, policy] = allows[0] as [string, (typeof template.Resources)[string]];
    expect(refOf(policy.Properties.EventBusName)).toBe(busId);
    expect(policy.Properties.Statement).toMatchObject({
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Principal: {
        AWS: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
        },
      },
    });
  });
});

/** Every table the stack deploys, and the spec of each: each service has an idempotency table of its own. */
const StackTables: [StackTableName, TableName][] = [
  ...(Object.keys(TableSpecs) as TableName[])
    .filter((name) => name !== 'idempotency')
    .map((name) => [name as StackTableName, name] as [StackTableName, TableName]),
  ...Object.values(Services).map(
    ({ idempotency }) => [idempotency, 'idempotency'] as [StackTableName, TableName],
  ),
];

describe('the tables', () => {
  it('are exactly the tables of the specs, an idempotency table per service', () => {
    expect(Object.keys(tablesByName(template)).sort()).toStrictEqual(
      StackTables.map(([name]) => name).sort(),
    );
  });

  it.each(StackTables)('%s: on-demand, point-in-time recovery, keys from its spec (%s)', (name, specName) => {
    const spec: (typeof TableSpecs)[TableName] = TableSpecs[specName];
    const table = template.Resources[tablesByName(template)[name]];
    const properties = table?.Properties;

    expect(table?.Type).toBe('AWS::DynamoDB::Table');
    expect(properties?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(properties?.PointInTimeRecoverySpecification).toStrictEqual({
      PointInTimeRecoveryEnabled: true,
    });
    expect(properties?.KeySchema).toStrictEqual([{ AttributeName: spec.partitionKey, KeyType: 'HASH' }]);
    expect(table?.DeletionPolicy).toBe('Retain');
    const ttl =
      'timeToLiveAttribute' in spec ? { AttributeName: spec.timeToLiveAttribute, Enabled: true } : undefined;
    expect(properties?.TimeToLiveSpecification).toStrictEqual(ttl);
    const indexes = 'globalSecondaryIndexes' in spec ? spec.globalSecondaryIndexes : [];
    expect(properties?.GlobalSecondaryIndexes ?? []).toStrictEqual(
      indexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
  });
});

describe('the schema registry', () => {
  it('holds one draft-04 JSON Schema per event of the contract', () => {
    const [registryId, registry] = onlyResourceOfType(template, 'AWS::EventSchemas::Registry');
    const schemas = resourcesOfType(template, 'AWS::EventSchemas::Schema').map(
      ([, schema]) => schema.Properties,
    );

    expect(registry.Properties.RegistryName).toBe(SharedNames.bus);
    expect(schemas).toHaveLength(catalogue.length);
    for (const event of catalogue) {
      expect(schemas).toContainEqual(
        expect.objectContaining({
          RegistryName: { 'Fn::GetAtt': [registryId, 'RegistryName'] },
          SchemaName: `${event.source}@${event.detailType}`,
          Type: 'JSONSchemaDraft4',
          Content: jsonSchemaText(event),
        }),
      );
    }
  });
});

describe('the outputs', () => {
  it('name the bus, every table, the audit state machine and every dead-letter queue', () => {
    const outputs = template.Outputs ?? {};
    const referenced = (type: string) =>
      Object.values(outputs)
        .map((output) => refOf(output.Value))
        .filter((id) => template.Resources[id as string]?.Type === type);

    expect(refOf(outputs.EventBusName?.Value)).toBe(onlyResourceOfType(template, 'AWS::Events::EventBus')[0]);
    expect(outputs.EventBusArn).toBeDefined();
    expect(Object.keys(tablesByName(template)).sort()).toStrictEqual(
      StackTables.map(([name]) => name).sort(),
    );
    expect(referenced('AWS::IAM::ManagedPolicy')).toHaveLength(1);
    expect(referenced('AWS::StepFunctions::StateMachine')).toHaveLength(1);
    expect(new Set(referenced('AWS::SQS::Queue'))).toStrictEqual(
      new Set(resourcesOfType(template, 'AWS::SQS::Queue').map(([id]) => id)),
    );
  });
});

describe('the context', () => {
  // Without bundling (the functions' code does not matter here), so each of these takes seconds.
  const outdirs: string[] = [];
  const synthesizeWith = (context: Record<string, unknown>) => {
    const outdir = mkdtempSync(join(tmpdir(), 'order-saga-context-'));
    outdirs.push(outdir);
    return mergeTemplates(
      parseTemplates(synthesize(outdir, { 'aws:cdk:bundling-stacks': [], ...context }).templateTexts),
    );
  };
  afterAll(() => {
    for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
  });

  it('destroys tables, queues and logs with the stack when removalPolicy is destroy, and takes the deadline', () => {
    const destroyable = synthesizeWith({ removalPolicy: 'destroy', orderDeadlineSeconds: '60' });

    for (const type of ['AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::Logs::LogGroup']) {
      for (const [id, resource] of resourcesOfType(destroyable, type))
        expect(resource.DeletionPolicy, id).toBe('Delete');
    }
    const sweep = resourceOf(destroyable, functionsByEntry(destroyable).get(DEADLINE_SWEEP));
    const variables = (sweep.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables[EnvNames.orderDeadlineSeconds]).toBe('60');
  }, 120_000);

  it("adopts an existing deployment's tables: with tableNames, each table is named as given, kept on deletion, and read by the audit under that name", () => {
    const existing = Object.fromEntries(
      StackTables.map(([name]) => [name, `OrderSaga-${name}Table1A2B3C4D-ABCDEFGHIJKL`]),
    ) as Record<StackTableName, string>;

    const adopted = synthesizeWith({ tableNames: JSON.stringify(existing) });

    // `cdk import` reads each table's identifier, its TableName, from the template, and imports only what
    // keeps a Retain deletion policy.
    const tables = tablesByName(adopted);
    for (const [name] of StackTables) {
      const table = resourceOf(adopted, tables[name]);
      expect(table.Properties.TableName, name).toBe(existing[name]);
      expect(table.DeletionPolicy, name).toBe('Retain');
    }
    const [, audit] = onlyResourceOfType(adopted, 'AWS::StepFunctions::StateMachine');
    expect(audit.Properties.DefinitionSubstitutions).toMatchObject({
      OrdersTable: existing.orders,
      PaymentsTable: existing.payments,
      InventoryTable: existing.inventory,
    });
  }, 120_000);

  describe('with one account per owner (-c accounts)', () => {
    const accounts = {
      bus: '111111111111',
      order: '222222222222',
      payment: '333333333333',
      inventory: '444444444444',
      audit: '555555555555',
    };
    let stacks: Record<string, Template>;
    beforeAll(() => {
      const outdir = mkdtempSync(join(tmpdir(), 'order-saga-accounts-'));
      outdirs.push(outdir);
      const synthesis = synthesize(outdir, {
        'aws:cdk:bundling-stacks': [],
        accounts: JSON.stringify(accounts),
      });
      expect(synthesis.findings).toStrictEqual([]);
      stacks = parseTemplates(synthesis.templateTexts);
    }, 120_000);
    const busPolicy = () =>
      resourcesOfType(stacks[StackNames.bus] as Template, 'AWS::Events::EventBusPolicy').map(
        ([, policy]) => policy.Properties.Statement as Record<string, unknown> & { Sid: string },
      );

    it("admits each service account on the bus account's bus for its own sources only, and as the owner of its rules", () => {
      const owned: Record<string, string[]> = {
        [accounts.order]: [Sources.orders, Sources.storefront],
        [accounts.payment]: [Sources.payments],
        [accounts.inventory]: [Sources.inventory],
        [accounts.audit]: [Sources.sagaAudit],
      };
      for (const [account, sources] of Object.entries(owned)) {
        const of = (sid: string) =>
          busPolicy().find((statement) => statement.Sid === `cdk-${sid}-${account}`);
        expect(of('PutOwnSources')?.Condition, account).toStrictEqual({
          'ForAllValues:StringEquals': { 'events:source': sources },
          Null: { 'events:source': 'false' },
        });
        expect(of('ManageOwnRules')?.Condition, account).toStrictEqual({
          // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable.
          StringEqualsIfExists: { 'events:creatorAccount': '${aws:PrincipalAccount}' },
        });
        expect(of('OnlyItPutsItsSources')).toMatchObject({
          Effect: 'Deny',
          Condition: {
            'ForAnyValue:StringEquals': { 'events:source': sources },
            StringNotEquals: { 'aws:PrincipalAccount': account },
          },
        });
      }
    });

    it("subscribes a service from its own account: a rule of its own on the shared bus forwards to its account's bus, where its rule feeds the function", () => {
      const payment = stacks[StackNames.payment] as Template;
      const rules = resourcesOfType(payment, 'AWS::Events::Rule').map(([, rule]) => rule.Properties);
      const forwards = rules.filter((rule) => typeof rule.EventBusName !== 'string');
      const local = rules.filter((rule) => rule.EventBusName === 'default');

      expect(forwards.map((rule) => textOf(rule.EventBusName))).toStrictEqual([
        `arn:\${AWS::Partition}:events:\${AWS::Region}:${accounts.bus}:event-bus/${SharedNames.bus}`,
        `arn:\${AWS::Partition}:events:\${AWS::Region}:${accounts.bus}:event-bus/${SharedNames.bus}`,
      ]);
      expect(forwards.map((rule) => rule.EventPattern)).toStrictEqual(local.map((rule) => rule.EventPattern));
      for (const rule of forwards) {
        const [target] = rule.Targets as { Arn: unknown; RoleArn?: unknown }[];
        expect(textOf(target?.Arn)).toBe(
          `arn:\${AWS::Partition}:events:\${AWS::Region}:${accounts.payment}:event-bus/default`,
        );
        expect(target?.RoleArn).toBeDefined();
      }
      expect(resourcesOfType(payment, 'AWS::Events::EventBusPolicy')).toStrictEqual([]);
    });

    it("lets the audit read the services' tables across accounts, by their ARNs, where each table's policy admits the audit stack's roles", () => {
      const [, audit] = onlyResourceOfType(
        stacks[StackNames.audit] as Template,
        'AWS::StepFunctions::StateMachine',
      );
      const substitutions = audit.Properties.DefinitionSubstitutions as Record<string, unknown>;
      expect(textOf(substitutions.PaymentsTable)).toBe(
        `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:${accounts.payment}:table/${defaultTableName('payments')}`,
      );
      const [, payments] = resourcesOfType(
        stacks[StackNames.payment] as Template,
        'AWS::DynamoDB::Table',
      ).find(([, table]) => table.Properties.TableName === defaultTableName('payments')) as [
        string,
        Template['Resources'][string],
      ];
      const policy = JSON.stringify(payments.Properties.ResourcePolicy);
      expect(policy).toContain(`:iam::${accounts.audit}:root`);
      expect(policy).toContain(`:iam::${accounts.audit}:role/${StackNames.audit}-*`);
      expect(policy).toContain('dynamodb:BatchGetItem');
    });
  });

  it.each([
    { removalPolicy: 'snapshot' },
    { accounts: '{"payment":"333333333333"}' },
    { accounts: '{"bus":"1111"}' },
    { orderDeadlineSeconds: 'soon' },
    { orderDeadlineSeconds: 0 },
    { tableNames: '{"ordrs":"x-table"}' },
    { tableNames: '{"orders":"not a table name"}' },
    { tableNames: 'file:///no/such/tables.json' },
  ])('refuses %j', (context) => {
    expect(() => synthesizeWith(context)).toThrow(/must be/);
  });
});
