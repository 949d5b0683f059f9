import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultTableName, type StackTableName } from '../../infra/tables.js';
import { catalogue, SagaAudited, type Source, Sources } from '../../shared/events/index.js';
import { ROOT, sharedTemplate, type Template } from './support/synth.js';
import {
  actionsOf,
  DEADLINE_SWEEP,
  functionsByEntry,
  Handlers,
  isSagaBus,
  localArn,
  onlyResourceOfType,
  referencedIds,
  refOf,
  resourcesOf,
  resourcesOfType,
  Services,
  type Statement,
  serviceOf,
  statementsOfRole,
  tablesByName,
  textOf,
} from './support/template.js';

let template: Template;
let functions: Map<string, string>;
let tables: Record<StackTableName, string>;

beforeAll(async () => {
  template = await sharedTemplate();
  functions = functionsByEntry(template);
  tables = tablesByName(template);
});

const roleOf = (entry: string) => refOf(template.Resources[functions.get(entry) as string]?.Properties.Role);
const statementsOf = (entry: string) => statementsOfRole(template, roleOf(entry) as string);
const isDynamoDb = (statement: Statement) =>
  actionsOf(statement).some((action) => action.startsWith('dynamodb:'));
const isPutEvents = (statement: Statement) => actionsOf(statement).includes('events:PutEvents');
const tableIds = (statements: Statement[]) =>
  new Set(statements.flatMap((statement) => [...referencedIds(statement.Resource)]));

/** The detail-types the contract gives a source: all its producer may put. */
const detailTypesOfSource = (source: string) =>
  catalogue.filter((event) => event.source === source).map((event) => event.detailType);

/**
 * The only condition a producer's PutEvents statement may carry: every entry's source is its own and every
 * detail-type one of that source's (set operators: the keys are multivalued), and both are present. That it
 * grants exactly that is proven by evaluating it (grants.integration.test.ts).
 */
const ownFactsOnly = (source: Source) => ({
  'ForAllValues:StringEquals': {
    'events:source': [source],
    'events:detail-type': detailTypesOfSource(source),
  },
  Null: { 'events:source': 'false', 'events:detail-type': 'false' },
});

describe("each function's role", () => {
  it.each(Handlers)('%s: is assumed by Lambda and has no managed policy', (entry) => {
    const role = template.Resources[roleOf(entry) as string];

    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(JSON.stringify(role?.Properties.AssumeRolePolicyDocument)).toContain('lambda.amazonaws.com');
  });

  it.each(Handlers)(
    "%s: reaches exactly its own service's tables, and its service's idempotency table",
    (entry) => {
      const service = Services[serviceOf(entry)];
      const owned = service.tables.map((name) => tables[name]);
      const expected = entry === DEADLINE_SWEEP ? owned : [...owned, tables[service.idempotency]];

      expect([...tableIds(statementsOf(entry).filter(isDynamoDb))].sort()).toStrictEqual(expected.sort());
    },
  );

  it.each(Handlers)('%s: names the DynamoDB actions it uses, and never scans', (entry) => {
    const actions = new Set(statementsOf(entry).filter(isDynamoDb).flatMap(actionsOf));
    const allowed = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem', 'Query'];

    expect(
      [...actions].filter((action) => !allowed.map((a) => `dynamodb:${a}`).includes(action)),
    ).toStrictEqual([]);
    const queries = statementsOf(entry).filter((statement) =>
      actionsOf(statement).includes('dynamodb:Query'),
    );
    // Only the deadline sweep queries, and only the sparse index of open orders.
    expect(queries.map((statement) => JSON.stringify(statement.Resource))).toStrictEqual(
      entry === DEADLINE_SWEEP ? [expect.stringContaining('/index/open-by-deadline')] : [],
    );
  });

  it.each(Handlers)(
    "%s: puts on the saga bus only its own service's facts: its source and detail-types",
    (entry) => {
      const putEvents = statementsOf(entry).filter(isPutEvents);

      expect(putEvents).toHaveLength(1);
      const [statement] = putEvents as [Statement];
      expect(actionsOf(statement)).toStrictEqual(['events:PutEvents']);
      expect(resourcesOf(statement).map((resource) => isSagaBus(template, resource))).toStrictEqual([true]);
      expect(statement.Condition).toStrictEqual(ownFactsOnly(Services[serviceOf(entry)].source as Source));
    },
  );

  it.each(Handlers)('%s: has no wildcard action and no wildcard resource', (entry) => {
    for (const statement of statementsOf(entry)) {
      expect(actionsOf(statement).filter((action) => action === '*' || action.endsWith(':*'))).toStrictEqual(
        [],
      );
      expect(resourcesOf(statement)).not.toContain('*');
    }
  });
});

/** The repository of each table, where the service's DynamoDB calls on it are made (STYLE: adapters/). */
const Repositories: Partial<Record<StackTableName, string>> = {
  orders: 'services/order/adapters/order-repository.ts',
  payments: 'services/payment/adapters/payment-repository.ts',
  paymentGateway: 'services/payment/adapters/simulated-gateway.ts',
  inventory: 'services/inventory/adapters/inventory-repository.ts',
};

/**
 * The IAM actions a repository's code calls for: each `new …Command(`, and each kind of item of its
 * transactions (which IAM authorizes per item). Batch commands are left out: they cannot be conditional, so
 * no handler writes with them (DESIGN rule 2); only seeding helpers for tests and the demo do.
 */
const actionsCalledIn = (file: string): Set<string> => {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const commands = [...source.matchAll(/new (\w+)Command\(/g)].map((match) => match[1] as string);
  const actions = new Set<string>();
  for (const command of commands) {
    if (command === 'TransactWrite') {
      for (const [, kind] of source.matchAll(/\b(Put|Update|Delete|ConditionCheck):\s*\{/g)) {
        actions.add(`dynamodb:${kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`}`);
      }
    } else if (!command.startsWith('Batch')) {
      actions.add(`dynamodb:${['Query', 'Scan'].includes(command) ? command : `${command}Item`}`);
    }
  }
  return actions;
};

describe("each service's grants on its tables", () => {
  it.each(Object.entries(Repositories))('%s: cover every call its repository makes', (table, file) => {
    const service = (Object.keys(Services) as (keyof typeof Services)[]).find((name) =>
      Services[name].tables.includes(table as StackTableName),
    );
    const granted = new Set(
      Handlers.filter((entry) => serviceOf(entry) === service)
        .flatMap(statementsOf)
        .filter((statement) => referencedIds(statement.Resource).has(tables[table as StackTableName]))
        .flatMap(actionsOf),
    );

    expect([...actionsCalledIn(file)].filter((action) => !granted.has(action))).toStrictEqual([]);
  });
});

describe("the audit workflow's role", () => {
  let statements: Statement[];
  beforeAll(() => {
    const [, stateMachine] = onlyResourceOfType(template, 'AWS::StepFunctions::StateMachine');
    statements = statementsOfRole(template, refOf(stateMachine.Properties.RoleArn) as string);
  });
  const withAction = (action: string) =>
    statements.filter((statement) => actionsOf(statement).includes(action));

  it('reads only the orders, payments and inventory tables, by key, which it finds by their names', () => {
    const read = withAction('dynamodb:BatchGetItem').flatMap(resourcesOf).map(textOf);
    const named = (table: StackTableName) => localArn('dynamodb', `table/${defaultTableName(table)}`);

    expect(read.sort()).toStrictEqual([named('orders'), named('payments'), named('inventory')].sort());
  });

  it('writes only the audit table', () => {
    expect([...tableIds(withAction('dynamodb:PutItem'))]).toStrictEqual([tables.audit]);
    const writes = statements.filter(isDynamoDb).flatMap(actionsOf);
    expect(new Set(writes)).toStrictEqual(new Set(['dynamodb:BatchGetItem', 'dynamodb:PutItem']));
  });

  it(`puts events on the saga bus only, and only ${SagaAudited.detailType} as the saga audit`, () => {
    const putEvents = withAction('events:PutEvents');

    expect(putEvents).toHaveLength(1);
    expect(
      resourcesOf(putEvents[0] as Statement).map((resource) => isSagaBus(template, resource)),
    ).toStrictEqual([true]);
    expect(putEvents[0]?.Condition).toStrictEqual(ownFactsOnly(Sources.sagaAudit));
    expect(detailTypesOfSource(Sources.sagaAudit)).toStrictEqual([SagaAudited.detailType]);
  });

  it('uses Resource "*" only for the logging and tracing actions that require it', () => {
    const unscoped = statements.filter((statement) => resourcesOf(statement).includes('*'));

    for (const action of unscoped.flatMap(actionsOf)) expect(action).toMatch(/^(logs|xray):/);
  });
});

describe('every role of the stack', () => {
  it('has no statement allowing every action', () => {
    for (const [roleId] of resourcesOfType(template, 'AWS::IAM::Role')) {
      for (const statement of statementsOfRole(template, roleId))
        expect(actionsOf(statement)).not.toContain('*');
    }
  });
});
