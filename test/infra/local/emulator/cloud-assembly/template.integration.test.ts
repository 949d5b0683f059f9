import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalApp, LocalFunction } from '../../../../../infra/local/emulator/cloud-assembly/model.js';
import { whyStale } from '../../../../../infra/local/emulator/cloud-assembly/synthesis-record.js';
import { loadAssembly, TemplateError } from '../../../../../infra/local/emulator/cloud-assembly/template.js';
import { createLambdaPool } from '../../../../../infra/local/emulator/lambda/pool.js';
import { ASSEMBLY } from '../../../../../infra/local/saga/boot.js';
import { STACK_NAMES } from '../../../../../infra/project.js';
import { AUDIT_VERDICT_RULE_PREFIX } from '../../../../../shared/metrics.js';

const FIXTURE_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'cloud-assembly');
const ASSET_DIR = join(FIXTURE_DIR, 'asset.5e1f0c0de5a9a7b4c2d8e6f1a3b5c7d9e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0');
const PREFIX = 'arn:aws';
const REGION_ACCOUNT = 'us-east-1:000000000000';

const temporaryDirs: string[] = [];
const temporaryDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'saga-template-'));
  temporaryDirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type FixtureResources = Record<
  string,
  { Properties: { Environment: { Variables: Record<string, unknown> }; Code: Record<string, unknown> } }
>;

/** A copy of the fixture assembly whose template `change` may edit, so the fixture itself stays untouched. */
const changedAssembly = (change: (template: { Resources: FixtureResources }) => void) => {
  const dir = temporaryDir();
  cpSync(FIXTURE_DIR, dir, { recursive: true });
  const file = join(dir, 'Fixture.template.json');
  const template = JSON.parse(readFileSync(file, 'utf8'));
  change(template);
  writeFileSync(file, JSON.stringify(template));
  return dir;
};

const charge = (template: { Resources: FixtureResources }) => {
  const resource = template.Resources.ChargeFunction5A6B7C8D;
  if (resource === undefined) throw new Error('the fixture has no ChargeFunction5A6B7C8D');
  return resource.Properties;
};

const byLogicalId = <T extends { logicalId: string }>(items: T[], logicalId: string): T => {
  const item = items.find((candidate) => candidate.logicalId === logicalId);
  if (item === undefined) throw new Error(`no ${logicalId}`);
  return item;
};

describe('loadAssembly on the fixture stack', () => {
  let app: LocalApp;
  let chargeEnv: Record<string, string>;
  beforeAll(() => {
    app = loadAssembly({ cdkOutDir: FIXTURE_DIR, stacks: ['Fixture'] });
    chargeEnv = byLogicalId(app.functions, 'ChargeFunction5A6B7C8D').environment;
  });

  it('pretends to be the local account and region by default', () => {
    expect(app).toMatchObject({ stacks: ['Fixture'], account: '000000000000', region: 'us-east-1' });
  });

  it('names the custom bus and its ARN', () => {
    expect(app.bus).toEqual({
      name: 'order-saga',
      arn: `${PREFIX}:events:${REGION_ACCOUNT}:event-bus/order-saga`,
    });
  });

  it('resolves Ref of a table to a name derived from its logical id, or its TableName', () => {
    expect(chargeEnv.ORDERS_TABLE).toBe('OrdersTableE5F6A7B8');
    expect(chargeEnv.INVENTORY_TABLE).toBe('Fixture-inventory');
    expect(chargeEnv.PAYMENTS_TABLE).toBe('PaymentsTable8F9A0B1C');
  });

  it('resolves Ref of a function, a queue, the bus and a state machine', () => {
    expect(chargeEnv.RELEASE_FUNCTION).toBe('fixture-release');
    expect(chargeEnv.DLQ_URL).toBe('http://sqs.local/000000000000/ChargeDlq2D3E4F5A');
    expect(chargeEnv.EVENT_BUS_NAME).toBe('order-saga');
    expect(chargeEnv.AUDIT_STATE_MACHINE).toBe(
      `${PREFIX}:states:${REGION_ACCOUNT}:stateMachine:AuditStateMachine3C4D5E6F`,
    );
  });

  it('resolves Ref of the pseudo parameters and of a parameter to its Default', () => {
    expect(chargeEnv).toMatchObject({
      REGION: 'us-east-1',
      ACCOUNT: '000000000000',
      PARTITION: 'aws',
      URL_SUFFIX: 'amazonaws.com',
      STACK: 'Fixture',
      ORDER_DEADLINE_SECONDS: '900',
    });
  });

  it('drops a property that resolves to AWS::NoValue', () => {
    expect(chargeEnv).not.toHaveProperty('DROPPED');
  });

  it('resolves Fn::GetAtt of tables, streams, functions, queues, the bus, state machines and rules', () => {
    expect(chargeEnv).toMatchObject({
      ORDERS_TABLE_ARN: `${PREFIX}:dynamodb:${REGION_ACCOUNT}:table/OrdersTableE5F6A7B8`,
      ORDERS_STREAM_ARN: `${PREFIX}:dynamodb:${REGION_ACCOUNT}:table/OrdersTableE5F6A7B8/stream/1970-01-01T00:00:00.000`,
      RELEASE_FUNCTION_ARN: `${PREFIX}:lambda:${REGION_ACCOUNT}:function:fixture-release`,
      DLQ_ARN: `${PREFIX}:sqs:${REGION_ACCOUNT}:ChargeDlq2D3E4F5A`,
      DLQ_NAME: 'ChargeDlq2D3E4F5A',
      AUDIT_DLQ_URL: 'http://sqs.local/000000000000/audit-dlq',
      EVENT_BUS_ARN: `${PREFIX}:events:${REGION_ACCOUNT}:event-bus/order-saga`,
      EVENT_BUS_NAME_ATTR: 'order-saga',
      AUDIT_STATE_MACHINE_NAME: 'AuditStateMachine3C4D5E6F',
      RULE_ARN: `${PREFIX}:events:${REGION_ACCOUNT}:rule/order-saga/OnOrderPlacedRule7A8B9C0D`,
      SCHEDULE_RULE_ARN: `${PREFIX}:events:${REGION_ACCOUNT}:rule/DeadlineScheduleB1C2D3E4`,
    });
  });

  it('resolves Fn::Join, Fn::Sub (both forms, with attributes and escaped literals), Fn::Select and Fn::Split', () => {
    expect(chargeEnv).toMatchObject({
      JOINED: 'arn/aws/order-saga',
      SUBSTITUTED: `${PREFIX}:events:${REGION_ACCOUNT}:event-bus/order-saga|us-east-1|\${Literal}|OrdersTableE5F6A7B8`,
      SUBSTITUTED_WITH_VARIABLES: 'Fixture-inventory@000000000000',
      SELECTED: 'second',
    });
  });

  it('reads the tables with their keys, indexes, TTL and streams', () => {
    expect(app.tables).toEqual([
      {
        logicalId: 'OrdersTableE5F6A7B8',
        tableName: 'OrdersTableE5F6A7B8',
        arn: `${PREFIX}:dynamodb:${REGION_ACCOUNT}:table/OrdersTableE5F6A7B8`,
        partitionKey: 'orderId',
        attributeTypes: { orderId: 'S', openStatus: 'S', deadlineAt: 'N' },
        globalSecondaryIndexes: [
          { indexName: 'open-by-deadline', partitionKey: 'openStatus', sortKey: 'deadlineAt' },
        ],
        streamViewType: 'NEW_AND_OLD_IMAGES',
      },
      {
        logicalId: 'IdempotencyTable0F1E2D3C',
        tableName: 'IdempotencyTable0F1E2D3C',
        arn: `${PREFIX}:dynamodb:${REGION_ACCOUNT}:table/IdempotencyTable0F1E2D3C`,
        partitionKey: 'id',
        attributeTypes: { id: 'S' },
        globalSecondaryIndexes: [],
        timeToLiveAttribute: 'expiration',
      },
      {
        logicalId: 'InventoryTable4B5C6D7E',
        tableName: 'Fixture-inventory',
        arn: `${PREFIX}:dynamodb:${REGION_ACCOUNT}:table/Fixture-inventory`,
        partitionKey: 'pk',
        sortKey: 'sk',
        attributeTypes: { pk: 'S', sk: 'S' },
        globalSecondaryIndexes: [],
      },
      {
        logicalId: 'PaymentsTable8F9A0B1C',
        tableName: 'PaymentsTable8F9A0B1C',
        arn: `${PREFIX}:dynamodb:${REGION_ACCOUNT}:table/PaymentsTable8F9A0B1C`,
        partitionKey: 'orderId',
        attributeTypes: { orderId: 'S' },
        globalSecondaryIndexes: [],
      },
    ]);
  });

  it('prefixes every table name, and the functions see the prefixed names', () => {
    const prefixed = loadAssembly({ cdkOutDir: FIXTURE_DIR, stacks: ['Fixture'], tableNamePrefix: 'run1-' });

    expect(prefixed.tables.map((table) => table.tableName)).toEqual([
      'run1-OrdersTableE5F6A7B8',
      'run1-IdempotencyTable0F1E2D3C',
      'run1-Fixture-inventory',
      'run1-PaymentsTable8F9A0B1C',
    ]);
    expect(byLogicalId(prefixed.functions, 'ChargeFunction5A6B7C8D').environment.ORDERS_TABLE).toBe(
      'run1-OrdersTableE5F6A7B8',
    );
  });

  it('reads a function with its asset directory, settings and async-invoke config', () => {
    const charge = byLogicalId(app.functions, 'ChargeFunction5A6B7C8D');

    expect(charge).toMatchObject({
      functionName: 'ChargeFunction5A6B7C8D',
      arn: `${PREFIX}:lambda:${REGION_ACCOUNT}:function:ChargeFunction5A6B7C8D`,
      assetDir: ASSET_DIR,
      handler: 'index.handler',
      runtime: 'nodejs20.x',
      timeoutSeconds: 10,
      memoryMb: 256,
      reservedConcurrency: 2,
      async: {
        maximumRetryAttempts: 1,
        maximumEventAgeInSeconds: 600,
        onFailureArn: `${PREFIX}:sqs:${REGION_ACCOUNT}:ChargeDlq2D3E4F5A`,
      },
    });
    expect(existsSync(join(charge.assetDir, 'index.js'))).toBe(true);
  });

  it("gives a function without settings Lambda's defaults, and keeps its dead-letter queue", () => {
    expect(byLogicalId(app.functions, 'ReleaseFunction9E0F1A2B')).toMatchObject({
      functionName: 'fixture-release',
      environment: {},
      timeoutSeconds: 3,
      memoryMb: 128,
      async: {
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: 21_600,
        deadLetterArn: `${PREFIX}:sqs:${REGION_ACCOUNT}:audit-dlq`,
      },
    });
  });

  it('keeps the inline code of a function that has no asset', () => {
    expect(byLogicalId(app.functions, 'InlineFunctionC5D6E7F8').inlineCode).toContain('inline: true');
  });

  it('reads the queues with their names, ARNs and URLs', () => {
    expect(app.queues).toEqual([
      {
        logicalId: 'ChargeDlq2D3E4F5A',
        queueName: 'ChargeDlq2D3E4F5A',
        arn: `${PREFIX}:sqs:${REGION_ACCOUNT}:ChargeDlq2D3E4F5A`,
        url: 'http://sqs.local/000000000000/ChargeDlq2D3E4F5A',
      },
      {
        logicalId: 'AuditDlq6B7C8D9E',
        queueName: 'audit-dlq',
        arn: `${PREFIX}:sqs:${REGION_ACCOUNT}:audit-dlq`,
        url: 'http://sqs.local/000000000000/audit-dlq',
      },
    ]);
  });

  it('reads a rule with its pattern, and targets with retry policy, DLQ and input path', () => {
    expect(byLogicalId(app.rules, 'OnOrderPlacedRule7A8B9C0D')).toEqual({
      logicalId: 'OnOrderPlacedRule7A8B9C0D',
      name: 'OnOrderPlacedRule7A8B9C0D',
      eventBusName: 'order-saga',
      state: 'ENABLED',
      eventPattern: { source: ['shop.orders'], 'detail-type': ['OrderPlaced'] },
      targets: [
        {
          id: 'Target0',
          arn: `${PREFIX}:lambda:${REGION_ACCOUNT}:function:ChargeFunction5A6B7C8D`,
          kind: 'lambda',
          retryPolicy: { maximumRetryAttempts: 4, maximumEventAgeInSeconds: 3600 },
          deadLetterArn: `${PREFIX}:sqs:${REGION_ACCOUNT}:ChargeDlq2D3E4F5A`,
        },
        {
          id: 'Target1',
          arn: `${PREFIX}:sqs:${REGION_ACCOUNT}:audit-dlq`,
          kind: 'sqs',
          retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86_400 },
          inputPath: '$.detail',
        },
      ],
    });
  });

  it('resolves intrinsics inside a pattern, a bus given by ARN, an input transformer and a constant input', () => {
    expect(byLogicalId(app.rules, 'OnOrderSettledRuleD5E6F7A8')).toMatchObject({
      name: 'audit-on-order-settled',
      eventBusName: 'order-saga',
      eventPattern: { detail: { orderId: [{ prefix: 'us-east-1-' }] } },
      targets: [
        {
          kind: 'states',
          arn: `${PREFIX}:states:${REGION_ACCOUNT}:stateMachine:AuditStateMachine3C4D5E6F`,
          inputTransformer: {
            inputPathsMap: { 'detail-orderId': '$.detail.orderId' },
            inputTemplate: '{"orderId":<detail-orderId>}',
          },
        },
        { kind: 'unknown', input: '{"constant":true}' },
      ],
    });
  });

  it('reads a disabled schedule rule on the default bus', () => {
    expect(byLogicalId(app.rules, 'DeadlineScheduleB1C2D3E4')).toMatchObject({
      eventBusName: 'default',
      state: 'DISABLED',
      scheduleExpression: 'rate(1 minute)',
      targets: [
        { arn: `${PREFIX}:lambda:${REGION_ACCOUNT}:function:fixture-release`, input: '{"sweep":true}' },
      ],
    });
  });

  it('parses a state machine from its DefinitionString, with its substitutions', () => {
    const audit = byLogicalId(app.stateMachines, 'AuditStateMachine3C4D5E6F');

    expect(audit).toMatchObject({ name: 'AuditStateMachine3C4D5E6F', type: 'EXPRESS' });
    expect(audit.definition).toMatchObject({
      StartAt: 'GetOrder',
      States: {
        GetOrder: {
          Resource: 'arn:aws:states:::dynamodb:getItem',
          Parameters: { TableName: 'OrdersTableE5F6A7B8' },
        },
        Publish: {
          Parameters: {
            Entries: [{ EventBusName: `${PREFIX}:events:${REGION_ACCOUNT}:event-bus/order-saga` }],
          },
        },
      },
    });
  });

  it('reads a state machine from its Definition object, with its substitutions', () => {
    expect(byLogicalId(app.stateMachines, 'SweepStateMachineF7A8B9C0')).toEqual({
      logicalId: 'SweepStateMachineF7A8B9C0',
      name: 'fixture-sweep',
      arn: `${PREFIX}:states:${REGION_ACCOUNT}:stateMachine:fixture-sweep`,
      type: 'STANDARD',
      roleArn: 'arn:aws:iam::000000000000:role/ChargeFunctionServiceRoleA1B2C3D4',
      definition: {
        StartAt: 'Sweep',
        States: {
          Sweep: {
            Type: 'Task',
            Resource: `${PREFIX}:lambda:${REGION_ACCOUNT}:function:fixture-release`,
            Comment: 'say "hi"',
            End: true,
          },
        },
      },
    });
  });

  it('resolves the outputs', () => {
    expect(app.outputs).toEqual({
      BusName: 'order-saga',
      AuditStateMachineArn: `${PREFIX}:states:${REGION_ACCOUNT}:stateMachine:AuditStateMachine3C4D5E6F`,
      TableNames: 'OrdersTableE5F6A7B8,Fixture-inventory',
    });
  });

  it('uses the account and region it is given', () => {
    const elsewhere = loadAssembly({
      cdkOutDir: FIXTURE_DIR,
      stacks: ['Fixture'],
      account: '123456789012',
      region: 'eu-west-1',
    });

    expect(elsewhere.bus.arn).toBe('arn:aws:events:eu-west-1:123456789012:event-bus/order-saga');
    expect(byLogicalId(elsewhere.functions, 'ChargeFunction5A6B7C8D').environment.DLQ_URL).toBe(
      'http://sqs.local/123456789012/ChargeDlq2D3E4F5A',
    );
  });
});

describe('loadAssembly errors', () => {
  it('says to synthesize when cdk.out is missing', () => {
    expect(() => loadAssembly({ cdkOutDir: join(temporaryDir(), 'cdk.out'), stacks: ['Fixture'] })).toThrow(
      /run `npx cdk synth` first/,
    );
  });

  it('says to synthesize when the stack is missing', () => {
    expect(() => loadAssembly({ cdkOutDir: FIXTURE_DIR, stacks: ['Missing'] })).toThrow(
      /Stack Missing has no template .*run `npx cdk synth` first/,
    );
  });

  it('names an unsupported intrinsic and where it is', () => {
    const dir = changedAssembly((template) => {
      charge(template).Environment.Variables.MAPPED = {
        'Fn::FindInMap': ['Regions', 'us-east-1', 'Bus'],
      };
    });

    expect(() => loadAssembly({ cdkOutDir: dir, stacks: ['Fixture'] })).toThrow(
      new TemplateError(
        'Unsupported intrinsic Fn::FindInMap at ' +
          'Resources.ChargeFunction5A6B7C8D.Properties.Environment.Variables.MAPPED.Fn::FindInMap',
      ),
    );
  });

  it('names an unsupported attribute and where it is', () => {
    const dir = changedAssembly((template) => {
      charge(template).Environment.Variables.KEY = {
        'Fn::GetAtt': ['TableKey9A8B7C6D', 'Arn'],
      };
    });

    expect(() => loadAssembly({ cdkOutDir: dir, stacks: ['Fixture'] })).toThrow(
      /Unsupported Fn::GetAtt TableKey9A8B7C6D\.Arn \(AWS::KMS::Key\) at .*Variables\.KEY\.Fn::GetAtt/,
    );
  });

  it('names a reference to a resource the template does not have', () => {
    const dir = changedAssembly((template) => {
      charge(template).Environment.Variables.GONE = { Ref: 'Gone' };
    });

    expect(() => loadAssembly({ cdkOutDir: dir, stacks: ['Fixture'] })).toThrow(
      /Reference to unknown resource Gone at .*Variables\.GONE\.Ref/,
    );
  });

  it('names an asset the manifest does not have', () => {
    const dir = changedAssembly((template) => {
      charge(template).Code.S3Key = 'feedface.zip';
    });

    expect(() => loadAssembly({ cdkOutDir: dir, stacks: ['Fixture'] })).toThrow(/Asset feedface is not in/);
  });
});

/** The real stack, when the CDK app has been synthesized and cdk.out is current. */
const ROOT = join(import.meta.dirname, '..', '..', '..', '..', '..');
const CDK_OUT = join(ROOT, 'cdk.out');
const realTemplateReady = whyStale(ASSEMBLY) === undefined;

/** The file a function's handler module resolves to, as Lambda looks for it (`.js`, `.mjs`, `.cjs`). */
const handlerModule = (fn: LocalFunction) => {
  const stem = join(fn.assetDir, fn.handler.slice(0, fn.handler.lastIndexOf('.')));
  return ['.js', '.mjs', '.cjs'].map((ext) => `${stem}${ext}`).find((file) => existsSync(file));
};

describe.runIf(realTemplateReady)("loadAssembly on the app's synthesized stacks", () => {
  let app: LocalApp;
  beforeAll(() => {
    app = loadAssembly({ cdkOutDir: CDK_OUT, stacks: STACK_NAMES });
  });

  /** The service handlers, as `<service>/<handler>` (e.g. `order/on-order-placed`). */
  const handlers = readdirSync(join(ROOT, 'services')).flatMap((service) => {
    const dir = join(ROOT, 'services', service, 'handlers');
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((file) => (file.startsWith('on-') || file === 'http-api.ts') && file.endsWith('.ts'))
          .map((file) => `${service}/${file.replace(/\.ts$/, '')}`)
      : [];
  });

  /** The handler each function's bundle was built from, as its source map records it. */
  const bundledHandler = (fn: LocalFunction) => {
    const module = handlerModule(fn);
    if (module === undefined || !existsSync(`${module}.map`)) return undefined;
    const { sources } = JSON.parse(readFileSync(`${module}.map`, 'utf8')) as { sources: string[] };
    const entries = sources.flatMap((source) => {
      const match = /services\/([^/]+)\/handlers\/(on-[^/]+|http-api)\.ts$/.exec(source);
      return match === null ? [] : [`${match[1]}/${match[2]}`];
    });
    return entries.length === 1 ? entries[0] : undefined;
  };

  it("finds a function for every handler of the services, each with its handler's bundle in its asset", () => {
    const functions = app.functions.filter((fn) => fn.inlineCode === undefined);
    for (const fn of functions) expect(handlerModule(fn), fn.logicalId).toBeDefined();

    expect(handlers.length).toBeGreaterThan(0);
    // The storefront API's router is deployed once per route, so a handler may back several functions.
    expect([...new Set(functions.map(bundledHandler))].sort()).toEqual([...handlers].sort());
  });

  it('gives every rule at least one target, but those that only count audit verdicts', () => {
    const counting = (name: string) => name.startsWith(AUDIT_VERDICT_RULE_PREFIX);
    expect(app.rules.filter((rule) => counting(rule.name))).not.toHaveLength(0);
    for (const rule of app.rules.filter((r) => !counting(r.name))) {
      expect(rule.targets.length, rule.logicalId).toBeGreaterThan(0);
    }
  });

  it('finds the custom bus and the audit state machine', () => {
    expect(app.bus.name).not.toBe('default');
    expect(app.stateMachines.length).toBeGreaterThan(0);
  });

  it('runs the bundle of every function that consumes an event, which refuses an invalid one', async () => {
    const consumers = app.functions.filter((fn) =>
      app.rules.some((rule) => rule.eventPattern !== undefined && rule.targets.some((t) => t.arn === fn.arn)),
    );
    const pool = createLambdaPool({
      functions: consumers,
      baseEnv: {
        AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoDbEndpoint'),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    try {
      const outcomes = await Promise.all(consumers.map((fn) => pool.invoke(fn.functionName, { detail: {} })));

      expect(consumers.length).toBeGreaterThan(0);
      for (const outcome of outcomes)
        expect(outcome).toMatchObject({ ok: false, errorType: 'InvalidEventError' });
    } finally {
      await pool.close();
    }
  });
});

/** The fixture beside a second stack `Consumer`, which `change` may give resources, parameters and outputs. */
const withConsumer = (
  consumer: Record<string, unknown>,
  change: (fixture: Record<string, unknown>) => void = () => {},
) => {
  const dir = changedAssembly((template) => change(template as unknown as Record<string, unknown>));
  writeFileSync(join(dir, 'Consumer.template.json'), JSON.stringify(consumer));
  writeFileSync(join(dir, 'Consumer.assets.json'), JSON.stringify({ files: {} }));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: {
        Fixture: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Fixture.template.json' } },
        Consumer: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: 'Consumer.template.json' },
        },
      },
    }),
  );
  return dir;
};

/** A queue of the consumer stack, named from `name`, which the test resolves. */
const queueNamed = (name: unknown) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: name } });

describe('loadAssembly across stacks', () => {
  it('runs every stack of the assembly when none is named, in the order of its manifest', () => {
    const dir = withConsumer({ Resources: { Inbox: queueNamed('inbox') } });

    const app = loadAssembly({ cdkOutDir: dir });

    expect(app.stacks).toStrictEqual(['Fixture', 'Consumer']);
    expect(app.queues.map((queue) => queue.queueName)).toContain('inbox');
    expect(app.functions.length).toBeGreaterThan(0);
  });

  it('resolves Fn::ImportValue to the value another stack exports under that name', () => {
    const dir = withConsumer(
      { Resources: { Inbox: queueNamed({ 'Fn::ImportValue': 'fixture-bus-name' }) } },
      (fixture) => {
        (fixture.Outputs as Record<string, unknown>).Exported = {
          Value: { Ref: 'SagaBus1A2B3C4D' },
          Export: { Name: 'another-name' },
        };
      },
    );
    expect(() => loadAssembly({ cdkOutDir: dir })).toThrow(
      /The export fixture-bus-name .* is provided by none/,
    );

    const fixed = withConsumer(
      { Resources: { Inbox: queueNamed({ 'Fn::ImportValue': 'fixture-bus' }) } },
      (fixture) => {
        (fixture.Outputs as Record<string, unknown>).Exported = {
          Value: { Ref: 'SagaBus1A2B3C4D' },
          Export: { Name: { 'Fn::Join': ['-', ['fixture', 'bus']] } },
        };
      },
    );
    expect(loadAssembly({ cdkOutDir: fixed }).queues.map((queue) => queue.queueName)).toContain('order-saga');
  });

  it('resolves a parameter of an SSM parameter type to the parameter another stack creates', () => {
    const consumer = {
      Parameters: { BusName: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/fixture/bus' } },
      Resources: { Inbox: queueNamed({ Ref: 'BusName' }) },
    };
    const dir = withConsumer(consumer, (fixture) => {
      (fixture.Resources as Record<string, unknown>).BusParameter = {
        Type: 'AWS::SSM::Parameter',
        Properties: { Name: '/fixture/bus', Type: 'String', Value: { Ref: 'SagaBus1A2B3C4D' } },
      };
    });

    expect(loadAssembly({ cdkOutDir: dir }).queues.map((queue) => queue.queueName)).toContain('order-saga');
    expect(() => loadAssembly({ cdkOutDir: dir, stacks: ['Consumer'] })).toThrow(
      /The SSM parameter \/fixture\/bus .* is provided by none of the stacks Consumer: run the stack that provides it/,
    );
  });

  it('refuses a rule on a bus that no stack of the run creates, naming the bus', () => {
    const dir = withConsumer({
      Resources: {
        Listen: {
          Type: 'AWS::Events::Rule',
          Properties: { EventBusName: 'order-saga', EventPattern: { source: ['x'] } },
        },
      },
    });

    expect(loadAssembly({ cdkOutDir: dir }).rules.map((rule) => rule.logicalId)).toContain('Listen');
    expect(() => loadAssembly({ cdkOutDir: dir, stacks: ['Consumer'] })).toThrow(
      /Rule Listen is on bus order-saga, which none of the stacks Consumer creates/,
    );
  });

  it("serves every custom bus the stacks create, the first as the app's bus", () => {
    const dir = withConsumer({
      Resources: { Desk: { Type: 'AWS::Events::EventBus', Properties: { Name: 'desk' } } },
    });

    const app = loadAssembly({ cdkOutDir: dir });

    expect(app.buses.map((bus) => bus.name)).toStrictEqual(['order-saga', 'desk']);
    expect(app.buses[1]?.arn).toBe(`${PREFIX}:events:${REGION_ACCOUNT}:event-bus/desk`);
    expect(app.bus.name).toBe('order-saga');
  });

  it('names a resource after its stack where two stacks use the same logical id', () => {
    const dir = withConsumer({
      Resources: { ChargeDlq2D3E4F5A: { Type: 'AWS::SQS::Queue', Properties: {} } },
    });

    const names = loadAssembly({ cdkOutDir: dir }).queues.map((queue) => queue.queueName);

    expect(names).toEqual(
      expect.arrayContaining(['Fixture-ChargeDlq2D3E4F5A', 'Consumer-ChargeDlq2D3E4F5A']),
    );
  });
});
