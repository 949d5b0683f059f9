/**
 * Facts only from their owner: who may put which event on the saga bus (the producers' roles, the storefront
 * policy, the bus's resource policy), and whose idempotency records each role can reach.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { StackTableName } from '../../infra/tables.js';
import { catalogue, OrderPlaced, SagaAudited, Sources } from '../../shared/events/index.js';
import { sharedTemplate, type Template } from './support/synth.js';
import {
  actionsOf,
  functionsByEntry,
  Handlers,
  isSagaBus,
  onlyResourceOfType,
  referencedIds,
  refOf,
  resourcesOfType,
  Services,
  type Statement,
  serviceOf,
  statementsOfRole,
  tablesByName,
} from './support/template.js';

let template: Template;
let auditRoleId: string;
let tables: Record<StackTableName, string>;
const roleOfEntry = new Map<string, string>();

beforeAll(async () => {
  template = await sharedTemplate();
  const [, stateMachine] = onlyResourceOfType(template, 'AWS::StepFunctions::StateMachine');
  auditRoleId = refOf(stateMachine.Properties.RoleArn) as string;
  tables = tablesByName(template);
  for (const [entry, id] of functionsByEntry(template))
    roleOfEntry.set(entry, refOf(template.Resources[id]?.Properties.Role) as string);
});

/** The detail-types the contract gives a source. */
const detailTypesOfSource = (source: string) =>
  catalogue.filter((event) => event.source === source).map((event) => event.detailType);

/** The managed policies of the stack (the storefront's), as `[logicalId, statements]`. */
const managedPolicies = () =>
  resourcesOfType(template, 'AWS::IAM::ManagedPolicy').map(
    ([id, policy]) =>
      [id, (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement] as const,
  );

/** The roles that hold a managed policy. */
const holdersOf = (policyId: string) =>
  resourcesOfType(template, 'AWS::IAM::Role')
    .filter(([, role]) =>
      ((role.Properties.ManagedPolicyArns ?? []) as unknown[]).some((arn) => refOf(arn) === policyId),
    )
    .map(([id]) => id);

/** The bus policy's statements: the bus stack's, and each producing stack's own. */
const busStatements = () =>
  resourcesOfType(template, 'AWS::Events::EventBusPolicy').map(
    ([, policy]) => policy.Properties.Statement as Statement & { Principal: unknown },
  );

/** The sources a deny of the bus policy names (a multivalued key: with a set operator). */
const deniedSources = (statement: Statement) =>
  statement.Condition?.['ForAnyValue:StringEquals']?.['events:source'] as string[] | undefined;

/** The bus policy's deny of one source: the roles it still admits. */
const denyOf = (source: string) => {
  const denies = busStatements().filter(
    (statement) => statement.Effect === 'Deny' && deniedSources(statement)?.includes(source),
  );
  expect(denies, `one deny of ${source}`).toHaveLength(1);
  return denies[0] as Statement & { Principal: unknown };
};

/** The roles of a service's functions. */
const rolesOfService = (service: keyof typeof Services) =>
  Handlers.filter((entry) => serviceOf(entry) === service).map((entry) => roleOfEntry.get(entry) as string);

/** The role of one route's function of the storefront API (`OnPlaceOrder`, `OnCancelOrder`). */
const apiRoleOf = (route: string) => {
  const roles = resourcesOfType(template, 'AWS::IAM::Role')
    .map(([roleId]) => roleId)
    .filter((roleId) => roleId.startsWith(`StorefrontApi${route}Role`));
  expect(roles, `one role of ${route}`).toHaveLength(1);
  return roles[0] as string;
};

/** Besides a service's own functions, the storefront API's routes that speak for it or keep its records. */
const apiRolesOf = (service: string, what: 'facts' | 'records') =>
  service !== 'order' ? [] : [apiRoleOf(what === 'facts' ? 'OnCancelOrder' : 'OnPlaceOrder')];

describe('the storefront', () => {
  it('puts OrderPlaced with a source of its own, which no service shares', () => {
    expect(OrderPlaced.source).toBe('shop.storefront');
    expect(detailTypesOfSource(OrderPlaced.source)).toStrictEqual([OrderPlaced.detailType]);
    for (const service of Object.values(Services)) expect(service.source).not.toBe(OrderPlaced.source);
  });

  it('is given a managed policy that allows putting OrderPlaced on the saga bus, and calling the storefront API', () => {
    const policies = managedPolicies();

    expect(policies).toHaveLength(1);
    const [, statements] = policies[0] as (typeof policies)[number];
    expect(statements.flatMap(actionsOf).sort()).toStrictEqual(['events:PutEvents', 'execute-api:Invoke']);
    const statement = statements.find((s) => actionsOf(s).includes('events:PutEvents')) as Statement;
    expect(statement.Effect).toBe('Allow');
    expect(actionsOf(statement)).toStrictEqual(['events:PutEvents']);
    expect(isSagaBus(template, statement.Resource)).toBe(true);
    expect(statement.Condition).toStrictEqual({
      'ForAllValues:StringEquals': {
        'events:source': [OrderPlaced.source],
        'events:detail-type': [OrderPlaced.detailType],
      },
      Null: { 'events:source': 'false', 'events:detail-type': 'false' },
    });
  });

  it('finds the policy and the role that holds it named by stack outputs', () => {
    const [[policyId]] = managedPolicies() as [[string, unknown]];
    const [roleId] = holdersOf(policyId);

    expect(refOf(template.Outputs?.StorefrontPolicyArn?.Value)).toBe(policyId);
    expect(refOf(template.Outputs?.StorefrontRoleName?.Value)).toBe(roleId);
    expect(statementsOfRole(template, roleId as string)).toStrictEqual([]);
  });
});

describe("the bus's resource policy", () => {
  it("still accepts PutEvents from the bus's own account only", () => {
    const allows = busStatements().filter((statement) => statement.Effect === 'Allow');

    expect(allows).toHaveLength(1);
    expect(JSON.stringify(allows[0]?.Principal)).toContain(':root');
  });

  it('denies every source of the contract, to every principal, in one statement each', () => {
    const sources = [...new Set(catalogue.map((event) => event.source))].sort();
    const denied = busStatements()
      .filter((statement) => statement.Effect === 'Deny')
      .flatMap((statement) => deniedSources(statement) ?? []);

    expect(denied.sort()).toStrictEqual(sources);
    for (const source of sources) {
      const deny = denyOf(source);
      expect(deny.Principal).toStrictEqual({ AWS: '*' });
      expect(actionsOf(deny)).toStrictEqual(['events:PutEvents']);
      expect(isSagaBus(template, deny.Resource)).toBe(true);
      expect(deniedSources(deny)).toStrictEqual([source]);
      expect(Object.keys(deny.Condition ?? {}).sort()).toStrictEqual([
        'ArnNotEquals',
        'ForAnyValue:StringEquals',
      ]);
    }
  });

  it.each(Object.entries(Services))(
    'admits %s facts from the roles of its functions only',
    (service, { source }) => {
      const admitted = referencedIds(denyOf(source).Condition?.ArnNotEquals?.['aws:PrincipalArn']);

      const producers = [
        ...rolesOfService(service as keyof typeof Services),
        ...apiRolesOf(service, 'facts'),
      ];
      expect([...admitted].sort()).toStrictEqual(producers.sort());
    },
  );

  it(`admits ${SagaAudited.detailType} from the audit workflow's role only`, () => {
    const admitted = referencedIds(denyOf(Sources.sagaAudit).Condition?.ArnNotEquals?.['aws:PrincipalArn']);

    expect([...admitted]).toStrictEqual([auditRoleId]);
  });

  it(`admits ${OrderPlaced.detailType} from the holders of the storefront policy and the API's order route only`, () => {
    const [[policyId]] = managedPolicies() as [[string, unknown]];
    const admitted = referencedIds(denyOf(OrderPlaced.source).Condition?.ArnNotEquals?.['aws:PrincipalArn']);

    expect([...admitted].sort()).toStrictEqual([...holdersOf(policyId), apiRoleOf('OnPlaceOrder')].sort());
    expect([...admitted]).toHaveLength(2);
  });
});

describe('idempotency records', () => {
  it.each(Object.entries(Services))(
    'of %s are in a table that only its own functions can reach',
    (service, { idempotency }) => {
      const table = tables[idempotency];
      const reaching = resourcesOfType(template, 'AWS::IAM::Role')
        .filter(([roleId]) =>
          statementsOfRole(template, roleId).some((statement) =>
            referencedIds(statement.Resource).has(table),
          ),
        )
        .map(([roleId]) => roleId);

      expect(table).toBeDefined();
      // Every consumer of the service (the deadline sweep consumes no event, and keeps no record).
      const consumers = [
        ...rolesOfService(service as keyof typeof Services).filter(
          (role) => role !== roleOfEntry.get('services/order/handlers/on-deadline.ts'),
        ),
        // POST /orders keeps the Idempotency-Key's records in the order service's table.
        ...apiRolesOf(service, 'records'),
      ];
      expect(reaching.sort()).toStrictEqual(consumers.sort());
    },
  );

  it('are kept in a table per service: no two services share one', () => {
    const ids = Object.values(Services).map(({ idempotency }) => tables[idempotency]);

    expect(new Set(ids).size).toBe(ids.length);
  });
});
