import aslValidator from 'asl-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditSubstitution, auditDefinition } from '../../infra/constructs/audit-definition.js';
import { SharedNames } from '../../infra/project.js';
import type { StackTableName } from '../../infra/tables.js';
import { OrderCancelled, OrderConfirmed, SagaAudited, SagaOutcome } from '../../shared/events/index.js';
import { sharedTemplate, type Template } from './support/synth.js';
import { onlyResourceOfType, refOf, resourcesOfType, tablesByName } from './support/template.js';

type State = {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  [key: string]: unknown;
};

let template: Template;
let stateMachineId: string;
let properties: Record<string, unknown>;
let definition: { QueryLanguage?: string; States: Record<string, State> };
let tables: Record<StackTableName, string>;

beforeAll(async () => {
  template = await sharedTemplate();
  const [id, stateMachine] = onlyResourceOfType(template, 'AWS::StepFunctions::StateMachine');
  stateMachineId = id;
  properties = stateMachine.Properties;
  definition = JSON.parse(properties.DefinitionString as string);
  tables = tablesByName(template);
});

const tasks = () => Object.values(definition.States).filter((state) => state.Type === 'Task');

describe('the audit state machine', () => {
  it('is an Express workflow', () => {
    expect(properties.StateMachineType).toBe('EXPRESS');
  });

  it('is the audit definition, written in JSONPath', () => {
    expect(definition).toStrictEqual(auditDefinition());
    expect(definition.QueryLanguage).toBe('JSONPath');
  });

  it('is valid Amazon States Language', () => {
    const result = aslValidator(structuredClone(definition));

    expect(result.errorsText(), 'asl-validator').toBe('');
    expect(result.isValid).toBe(true);
  });

  it('uses service integrations only: DynamoDB BatchGetItem and PutItem, EventBridge PutEvents', () => {
    expect(new Set(tasks().map((task) => task.Resource))).toStrictEqual(
      new Set([
        'arn:aws:states:::aws-sdk:dynamodb:batchGetItem',
        'arn:aws:states:::dynamodb:putItem',
        'arn:aws:states:::events:putEvents',
      ]),
    );
  });

  it('reads the orders, payments and inventory tables by the names their stacks give them, writes the audit table and publishes on the bus', () => {
    const substitutions = properties.DefinitionSubstitutions as Record<string, unknown>;
    const nameOf = (table: StackTableName) => template.Resources[tables[table]]?.Properties.TableName;

    expect(substitutions).toStrictEqual({
      [AuditSubstitution.ordersTable]: nameOf('orders'),
      [AuditSubstitution.paymentsTable]: nameOf('payments'),
      [AuditSubstitution.inventoryTable]: nameOf('inventory'),
      [AuditSubstitution.auditTable]: { Ref: tables.audit },
      [AuditSubstitution.eventBusName]: SharedNames.bus,
    });
    const placeholders = new Set(
      [...(properties.DefinitionString as string).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]),
    );
    expect(placeholders).toStrictEqual(new Set(Object.keys(substitutions)));
    const readTables = tasks()
      .filter((task) => task.Resource?.endsWith('batchGetItem'))
      .flatMap((task) => Object.keys(task.Parameters?.RequestItems as object));
    const placeholder = (name: string) => `$\{${name}}`;
    expect(readTables.sort()).toStrictEqual(
      [AuditSubstitution.ordersTable, AuditSubstitution.paymentsTable, AuditSubstitution.inventoryTable]
        .map(placeholder)
        .sort(),
    );
  });

  it(`publishes ${SagaAudited.detailType} with the audit's source`, () => {
    const [publish] = tasks().filter((task) => task.Resource?.endsWith('putEvents'));
    const entries = publish?.Parameters?.Entries as Record<string, unknown>[];

    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ Source: SagaAudited.source, DetailType: SagaAudited.detailType });
  });

  it('logs every execution to CloudWatch without its data, and is traced with X-Ray', () => {
    const logging = properties.LoggingConfiguration as {
      Level: string;
      IncludeExecutionData: boolean;
      Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: unknown } }[];
    };

    // An execution's input, states and output carry order and payment items: logs must not copy them.
    expect(logging.Level).toBe('ALL');
    expect(logging.IncludeExecutionData).toBe(false);
    const logGroup =
      template.Resources[refOf(logging.Destinations[0]?.CloudWatchLogsLogGroup.LogGroupArn) as string];
    expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup?.Properties.RetentionInDays).toBeTypeOf('number');
    expect(properties.TracingConfiguration).toStrictEqual({ Enabled: true });
  });

  it.each([
    [OrderConfirmed, SagaOutcome.enum.CONFIRMED],
    [OrderCancelled, SagaOutcome.enum.CANCELLED],
  ] as const)('starts on %s with the order id and the outcome %s', (event, outcome) => {
    const starting = resourcesOfType(template, 'AWS::Events::Rule').flatMap(([, rule]) =>
      ((rule.Properties.Targets ?? []) as { Arn: unknown; InputTransformer?: Record<string, unknown> }[])
        .filter((target) => refOf(target.Arn) === stateMachineId)
        .map((target) => ({ pattern: rule.Properties.EventPattern, input: target.InputTransformer })),
    );
    const start = starting.find(
      ({ pattern }) => (pattern as { 'detail-type': string[] })['detail-type'][0] === event.detailType,
    );

    expect(start?.input?.InputPathsMap).toStrictEqual({ 'detail-orderId': '$.detail.orderId' });
    const filled = String(start?.input?.InputTemplate).replace('<detail-orderId>', '"order-1"');
    expect(JSON.parse(filled)).toStrictEqual({ orderId: 'order-1', outcome });
  });
});
