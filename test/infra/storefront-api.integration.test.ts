import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS_LOG_FIELDS,
  STOREFRONT_API_ENTRY,
  STOREFRONT_THROTTLE,
} from '../../infra/constructs/storefront-api.js';
import type { StackTableName } from '../../infra/tables.js';
import { detailTypesOf, OrderCancelled, OrderPlaced, Sources } from '../../shared/events/index.js';
import { sharedTemplate, type Template } from './support/synth.js';
import {
  actionsOf,
  entryOf,
  isSagaBus,
  onlyResourceOfType,
  referencedIds,
  refOf,
  resourceOf,
  resourcesOf,
  resourcesOfType,
  type Statement,
  statementsOfRole,
  tablesByName,
} from './support/template.js';

let template: Template;
let tables: Record<StackTableName, string>;

beforeAll(async () => {
  template = await sharedTemplate();
  tables = tablesByName(template);
});

const ROUTE_KEYS = ['POST /orders', 'GET /orders/{orderId}', 'POST /orders/{orderId}/cancel'] as const;
type RouteKey = (typeof ROUTE_KEYS)[number];

const routeOf = (routeKey: RouteKey) => {
  const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').filter(
    ([, route]) => route.Properties.RouteKey === routeKey,
  );
  expect(routes, routeKey).toHaveLength(1);
  return (routes[0] as (typeof routes)[number])[1];
};
const integrationOf = (routeKey: RouteKey) => {
  const [integrationId] = referencedIds(routeOf(routeKey).Properties.Target);
  return resourceOf(template, integrationId);
};
const functionIdOf = (routeKey: RouteKey) => refOf(integrationOf(routeKey).Properties.IntegrationUri);
const statementsOf = (routeKey: RouteKey) =>
  statementsOfRole(template, refOf(resourceOf(template, functionIdOf(routeKey)).Properties.Role) as string);
const dynamoDbGrants = (statements: Statement[]) =>
  statements
    .filter((statement) => actionsOf(statement).some((action) => action.startsWith('dynamodb:')))
    .map((statement) => ({
      actions: actionsOf(statement).sort(),
      tables: resourcesOf(statement).map(refOf),
    }));
const putEventsConditions = (statements: Statement[]) =>
  statements
    .filter((statement) => actionsOf(statement).includes('events:PutEvents'))
    .map((statement) => {
      expect(resourcesOf(statement).map((resource) => isSagaBus(template, resource))).toStrictEqual([true]);
      return statement.Condition;
    });
const putsExactly = (event: { source: string; detailType: string }) => [
  {
    'ForAllValues:StringEquals': {
      'events:source': [event.source],
      'events:detail-type': [event.detailType],
    },
    Null: { 'events:source': 'false', 'events:detail-type': 'false' },
  },
];

describe('the storefront HTTP API', () => {
  it('is one HTTP API with exactly the three routes of the storefront', () => {
    const [, api] = onlyResourceOfType(template, 'AWS::ApiGatewayV2::Api');

    expect(api.Properties.ProtocolType).toBe('HTTP');
    expect(
      resourcesOfType(template, 'AWS::ApiGatewayV2::Route')
        .map(([, route]) => route.Properties.RouteKey)
        .sort(),
    ).toStrictEqual([...ROUTE_KEYS].sort());
  });

  it.each(ROUTE_KEYS)('%s requires IAM authorization', (routeKey) => {
    expect(routeOf(routeKey).Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it.each(ROUTE_KEYS)(
    '%s is a Lambda proxy integration with payload format 2.0, on its own function',
    (routeKey) => {
      const integration = integrationOf(routeKey);

      expect(integration.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
      });
      const fn = resourceOf(template, functionIdOf(routeKey));
      expect(fn.Type).toBe('AWS::Lambda::Function');
      expect(entryOf(fn)).toBe(STOREFRONT_API_ENTRY);
      const others = ROUTE_KEYS.filter((other) => other !== routeKey).map(functionIdOf);
      expect(others).not.toContain(functionIdOf(routeKey));
    },
  );

  it('serves from the $default stage, deployed automatically, throttled by default', () => {
    const [, stage] = onlyResourceOfType(template, 'AWS::ApiGatewayV2::Stage');

    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: STOREFRONT_THROTTLE.rateLimit,
        ThrottlingBurstLimit: STOREFRONT_THROTTLE.burstLimit,
      },
    });
  });

  it('logs every request as JSON to a log group with a retention, without bodies', () => {
    const [, stage] = onlyResourceOfType(template, 'AWS::ApiGatewayV2::Stage');
    const settings = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    const logGroup = resourceOf(template, refOf(settings.DestinationArn));

    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBeTypeOf('number');
    expect(JSON.parse(settings.Format)).toStrictEqual(ACCESS_LOG_FIELDS);
    expect(settings.Format).toContain('$context.requestId');
    expect(settings.Format.toLowerCase()).not.toMatch(/body|header|querystring/);
  });

  it('lets API Gateway invoke each function only through this API', () => {
    const [apiId] = onlyResourceOfType(template, 'AWS::ApiGatewayV2::Api');
    for (const routeKey of ROUTE_KEYS) {
      const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').filter(
        ([, permission]) => refOf(permission.Properties.FunctionName) === functionIdOf(routeKey),
      );

      expect(permissions.length, routeKey).toBeGreaterThan(0);
      for (const [, permission] of permissions) {
        expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
        expect(referencedIds(permission.Properties.SourceArn)).toContain(apiId);
      }
    }
  });
});

describe("each storefront function's role", () => {
  it('GET /orders/{orderId} only reads orders, and puts nothing on the bus', () => {
    const statements = statementsOf('GET /orders/{orderId}');

    expect(dynamoDbGrants(statements)).toStrictEqual([
      { actions: ['dynamodb:GetItem'], tables: [tables.orders] },
    ]);
    expect(putEventsConditions(statements)).toStrictEqual([]);
  });

  it('POST /orders puts OrderPlaced and nothing else, and keeps idempotency records only', () => {
    const statements = statementsOf('POST /orders');

    expect(putEventsConditions(statements)).toStrictEqual(putsExactly(OrderPlaced));
    expect(dynamoDbGrants(statements)).toStrictEqual([
      {
        actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        tables: [tables.orderIdempotency],
      },
    ]);
  });

  it("POST /orders/{orderId}/cancel writes orders as the order service does, and puts the order service's facts only", () => {
    const statements = statementsOf('POST /orders/{orderId}/cancel');

    expect(dynamoDbGrants(statements)).toStrictEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], tables: [tables.orders] },
    ]);
    // Its cancellation, or an order's own fact re-published from stored state (OrderConfirmed).
    expect(putEventsConditions(statements)).toStrictEqual([
      {
        'ForAllValues:StringEquals': {
          'events:source': [Sources.orders],
          'events:detail-type': detailTypesOf(Sources.orders),
        },
        Null: { 'events:source': 'false', 'events:detail-type': 'false' },
      },
    ]);
    expect(detailTypesOf(Sources.orders)).toContain(OrderCancelled.detailType);
  });

  it.each(ROUTE_KEYS)('%s: no wildcard action, no wildcard resource, no managed policy', (routeKey) => {
    const roleId = refOf(resourceOf(template, functionIdOf(routeKey)).Properties.Role) as string;

    expect(resourceOf(template, roleId).Properties.ManagedPolicyArns).toBeUndefined();
    for (const statement of statementsOf(routeKey)) {
      expect(actionsOf(statement).filter((action) => action === '*' || action.endsWith(':*'))).toStrictEqual(
        [],
      );
      expect(resourcesOf(statement)).not.toContain('*');
    }
  });
});
