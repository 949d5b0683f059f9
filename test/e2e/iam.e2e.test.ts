import { randomUUID } from 'node:crypto';
import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCredentials } from '../../infra/local/emulator/access/credentials.js';
import { principalsOf } from '../../infra/local/emulator/access/principals.js';
import { LOCAL_AWS } from '../../infra/local/emulator/dynamodb/dynamodb-local.js';
import type { Runtime } from '../../infra/local/emulator/runtime.js';
import { CDK_OUT, tableNames } from '../../infra/local/saga/boot.js';
import { denialOf } from '../../infra/local/saga/dead-letters.js';
import { readPayload } from '../../infra/local/saga/scenarios.js';
import { storefrontClient } from '../../infra/local/saga/storefront-client.js';
import { storefrontBus, storefrontCredentials } from '../../infra/local/saga/storefront-principal.js';
import { OrderPlaced, PaymentProcessed } from '../../shared/events/index.js';
import {
  bootAssemblyRuntime,
  changedAssembly,
  statementsOf,
  type TemplateJson,
} from '../support/assembly.js';
import { busAs, dynamoDbAs, functionPrincipal } from '../support/principals.js';
import { bootTestRuntime } from '../support/runtime.js';

/**
 * IAM on the saga's own template, enforced by the local runtime: who may put which facts, write which
 * tables, call the storefront API; and what a grant missing or written wrongly does to a saga offline.
 */
const ACCOUNT = '000000000000';
const BUS_ARN = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/order-saga`;
const tableArn = (name: string) => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${name}`;

/** A runtime's log lines of IAM's denials. */
const denialsLogged = (lines: string[]) => lines.filter((line) => line.startsWith('IAM denied: '));
const keepRuntimeLines = (lines: string[]) => (fn: string, line: string) => {
  if (fn === 'runtime') lines.push(line);
};

/** The error a call failed with, or a failure of the test if it did not fail. */
const failureOf = async (
  call: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> => {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call was allowed');
};

/** A payload's order (the success payload's by default), under a fresh order id. */
const freshOrder = (busName: string, file = 'success.json'): PutEventsRequestEntry => {
  const [entry] = readPayload(file);
  const detail = { ...JSON.parse(entry?.Detail ?? '{}'), orderId: randomUUID() };
  return { ...entry, EventBusName: busName, Detail: JSON.stringify(detail) };
};
const orderIdOf = (entry: PutEventsRequestEntry) =>
  OrderPlaced.detail.parse(JSON.parse(entry.Detail ?? '')).orderId;

describe("IAM on the saga's template", () => {
  let runtime: Runtime;
  const lines: string[] = [];
  beforeAll(async () => {
    runtime = await bootTestRuntime({ onLog: keepRuntimeLines(lines) });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  const dynamoDbAsFunction = (prefix: string) =>
    dynamoDbAs(
      runtime.baseEnv.AWS_ENDPOINT_URL_DYNAMODB ?? '',
      runtime.app.region,
      functionPrincipal(runtime.app, prefix).credentials,
    );

  it("denies payment's role putting a fact of the orders' source: the bus policy's explicit deny", async () => {
    const payment = functionPrincipal(runtime.app, 'PaymentOnOrderPlaced');
    const bus = busAs(runtime.endpoints.eventBridge, runtime.app.region, payment.credentials);
    const before = runtime.events.length;
    const forged = {
      EventBusName: runtime.app.bus.name,
      Source: 'shop.orders',
      DetailType: 'OrderConfirmed',
      Detail: JSON.stringify({ orderId: randomUUID(), occurredAt: new Date().toISOString() }),
    };

    const error = await failureOf(bus.send(new PutEventsCommand({ Entries: [forged] })));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      `User: ${payment.arn} is not authorized to perform: events:PutEvents on resource: ${BUS_ARN} ` +
        'with an explicit deny in a resource-based policy',
    );
    expect(denialsLogged(lines)).toContain(
      `IAM denied: ${payment.arn} may not perform events:PutEvents on ${BUS_ARN}: explicitly denied by statement ` +
        'OnlyProducersPut-shop-orders of the resource-based policy event-bus/order-saga',
    );
    expect(runtime.events.length).toBe(before);
    bus.destroy();
  });

  it('denies a PutEvents signed with credentials the runtime did not hand out: an anonymous caller', async () => {
    const bus = busAs(runtime.endpoints.eventBridge, runtime.app.region, LOCAL_AWS.credentials);

    const error = await failureOf(
      bus.send(new PutEventsCommand({ Entries: [freshOrder(runtime.app.bus.name)] })),
    );

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toMatch(
      /^User: anonymous is not authorized to perform: events:PutEvents on resource: /,
    );
    bus.destroy();
  });

  it("denies a function's role writing another service's table, and the table stays as it was", async () => {
    const inventory = functionPrincipal(runtime.app, 'InventoryOnPaymentProcessed');
    const client = dynamoDbAsFunction('InventoryOnPaymentProcessed');
    const table = tableNames(runtime).payments;
    const orderId = randomUUID();

    const error = await failureOf(
      client.send(
        new PutItemCommand({ TableName: table, Item: { orderId: { S: orderId }, status: { S: 'CHARGED' } } }),
      ),
    );

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toBe(
      `User: ${inventory.arn} is not authorized to perform: dynamodb:PutItem on resource: ` +
        `${tableArn('order-saga-payments')} because no identity-based policy allows the dynamodb:PutItem action`,
    );
    const owner = dynamoDbAsFunction('PaymentOnOrderPlaced');
    const stored = await owner.send(
      new GetItemCommand({ TableName: table, Key: { orderId: { S: orderId } } }),
    );
    expect(stored.Item).toBeUndefined();
    client.destroy();
    owner.destroy();
  });

  it("authorizes a transaction item by item: one item on another service's table denies it all", async () => {
    const client = dynamoDbAsFunction('InventoryOnPaymentProcessed');
    const { inventory, orders } = tableNames(runtime);

    const error = await failureOf(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: inventory, Item: { pk: { S: `SKU#${randomUUID()}` }, sk: { S: 'STOCK' } } } },
            { Put: { TableName: orders, Item: { orderId: { S: randomUUID() } } } },
          ],
        }),
      ),
    );

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain(`dynamodb:PutItem on resource: ${tableArn('order-saga-orders')}`);
    client.destroy();
  });

  it("lets the deadline sweep query the orders' index, and denies it to a role granted the table only", async () => {
    const query = (prefix: string) => {
      const client = dynamoDbAsFunction(prefix);
      return client
        .send(
          new QueryCommand({
            TableName: tableNames(runtime).orders,
            IndexName: 'open-by-deadline',
            KeyConditionExpression: 'openStatus = :open',
            ExpressionAttributeValues: { ':open': { S: 'OPEN#0' } },
          }),
        )
        .finally(() => client.destroy());
    };

    expect((await query('OrderOnDeadline')).Items).toBeDefined();
    const error = await failureOf(query('OrderOnOrderPlaced'));
    expect(error.message).toContain(
      `dynamodb:Query on resource: ${tableArn('order-saga-orders')}/index/open-by-deadline`,
    );
  });

  describe('the storefront API', () => {
    const follow = () => `${runtime.endpoints.api}/orders/${randomUUID()}`;
    const as = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
      storefrontClient({ url: runtime.endpoints.api ?? '', region: runtime.app.region, credentials });

    it('answers an unsigned request 403 Missing Authentication Token', async () => {
      const response = await fetch(follow());

      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
    });

    it("answers a request signed with the storefront's key but another secret 403: the signature does not match", async () => {
      const { accessKeyId } = storefrontCredentials(runtime.app);

      const answer = await as({ accessKeyId, secretAccessKey: 'not-the-secret' }).get(randomUUID());

      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        message:
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
          'Access Key and signing method. Consult the service documentation for details.',
      });
    });

    it('answers a request signed with credentials the runtime did not hand out 403: an invalid token', async () => {
      const answer = await as(localCredentials('arn:aws:iam::111122223333:role/Elsewhere', 'x')).get(
        randomUUID(),
      );

      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({ message: 'The security token included in the request is invalid.' });
    });

    it("answers a role of the template that may not invoke the API 403, naming it, the action and the route's ARN", async () => {
      const payment = functionPrincipal(runtime.app, 'PaymentOnOrderPlaced');
      const orderId = randomUUID();

      const answer = await as(payment.credentials).get(orderId);

      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        message:
          `User: ${payment.arn} is not authorized to perform: execute-api:Invoke on resource: ` +
          `arn:aws:execute-api:us-east-1:${ACCOUNT}:${runtime.app.httpApis[0]?.logicalId}/$default/GET/orders/${orderId} ` +
          'because no identity-based policy allows the execute-api:Invoke action',
      });
    });

    it('lets the storefront, signing with its credentials, reach the route (an order it does not know: 404)', async () => {
      const answer = await as(storefrontCredentials(runtime.app)).get(randomUUID());

      expect(answer.status).toBe(404);
    });
  });
});

describe('a function writing another service’s table, on the runtime', () => {
  let runtime: Runtime;
  const lines: string[] = [];
  beforeAll(async () => {
    // Every function that reads ORDERS_TABLE now writes the payments table instead: the order service's too.
    runtime = await bootAssemblyRuntime(CDK_OUT, {
      onLog: keepRuntimeLines(lines),
      environment: (app) => ({ ORDERS_TABLE: app.outputs.PaymentsTableName ?? '' }),
    });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('is denied, and the event it failed on ends in its on-failure destination with the denial named', async () => {
    const order = freshOrder(runtime.app.bus.name);
    const bus = storefrontBus(runtime);
    await bus.send(new PutEventsCommand({ Entries: [order] }));
    bus.destroy();
    // The deadline sweep, denied too, retries for ever: the runtime is never idle, so wait for the letter.
    const placed = functionPrincipal(runtime.app, 'OrderOnOrderPlaced');
    const letterOf = () =>
      runtime
        .deadLetters()
        .flatMap((queue) => queue.messages)
        .find(
          (letter) =>
            letter.body.includes(orderIdOf(order)) &&
            letter.from.kind === 'function' &&
            letter.from.functionName.startsWith('OrderOnOrderPlaced'),
        );
    await expect.poll(letterOf, { timeout: 60_000, interval: 100 }).toBeDefined();

    expect(denialOf(letterOf()?.reason ?? '')).toEqual({
      principal: placed.arn,
      action: expect.stringMatching(/^dynamodb:(GetItem|PutItem|UpdateItem)$/),
      // IAM sees the table as deployed: the runtime's table prefix is a local matter.
      resource: tableArn('order-saga-payments'),
    });
    expect(
      denialsLogged(lines).some((line) =>
        line.startsWith(`IAM denied: ${placed.arn} may not perform dynamodb:`),
      ),
    ).toBe(true);
  });
});

describe('a grant removed from the template', () => {
  let runtime: Runtime;
  let assembly: ReturnType<typeof changedAssembly>;
  const lines: string[] = [];
  /** The statement of the payment function's policy on its own table, removed from the copy. */
  let removed: { Action: string[] } | undefined;

  beforeAll(async () => {
    assembly = changedAssembly((stackName, template) => {
      if (stackName !== 'OrderSaga-Payment') return;
      for (const [id, resource] of Object.entries(template.Resources)) {
        if (resource.Type !== 'AWS::IAM::Policy' || !id.startsWith('PaymentOnOrderPlacedRole')) continue;
        const document = resource.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] };
        const index = document.Statement.findIndex(
          (s) => JSON.stringify(s.Resource).includes('PaymentPaymentsTable') && Array.isArray(s.Action),
        );
        [removed] = document.Statement.splice(index, 1) as never[];
      }
    });
    runtime = await bootAssemblyRuntime(assembly.dir, { onLog: keepRuntimeLines(lines) });
  });
  afterAll(async () => {
    await runtime?.stop();
    assembly?.remove();
  });

  it('makes the saga fail offline, the runtime naming the action, the principal and the resource it denied', async () => {
    expect(removed?.Action).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    const order = freshOrder(runtime.app.bus.name);
    const bus = storefrontBus(runtime);
    await bus.send(new PutEventsCommand({ Entries: [order] }));
    bus.destroy();
    await runtime.idle({ timeoutMs: 60_000 });

    const payment = functionPrincipal(runtime.app, 'PaymentOnOrderPlaced');
    const table = runtime.app.tables.find((t) => t.logicalId.startsWith('PaymentPaymentsTable'));
    expect(denialsLogged(lines)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^IAM denied: ${payment.arn} may not perform dynamodb:(GetItem|PutItem) on ${table?.arn}: ` +
            'no identity-based policy allows dynamodb:(GetItem|PutItem)$',
        ),
      ),
    );
    const orderId = orderIdOf(order);
    const events = runtime.events.filter(({ event }) => event.detail.orderId === orderId);
    expect(events.map(({ event }) => event['detail-type'])).not.toContain(PaymentProcessed.detailType);
    const letter = runtime
      .deadLetters()
      .flatMap((queue) => queue.messages)
      .find((m) => m.from.kind === 'function' && m.from.functionName.startsWith('PaymentOnOrderPlaced'));
    expect(letter && denialOf(letter.reason)).toMatchObject({ principal: payment.arn, resource: table?.arn });
  });
});

describe('the conditions of the previous template: plain StringEquals on events:source and events:detail-type', () => {
  let runtime: Runtime;
  let assembly: ReturnType<typeof changedAssembly>;

  /** The grants and denies as they were: a single-valued operator on the multivalued keys, no Null guard. */
  const previousConditions = (_: string, template: TemplateJson) => {
    for (const statement of statementsOf(template)) {
      const condition = statement.Condition as Record<string, unknown> | undefined;
      if (statement.Action !== 'events:PutEvents' || !condition) continue;
      for (const set of ['ForAllValues:StringEquals', 'ForAnyValue:StringEquals']) {
        if (!(set in condition)) continue;
        condition.StringEquals = condition[set];
        delete condition[set];
      }
      delete condition.Null;
    }
  };

  beforeAll(async () => {
    assembly = changedAssembly(previousConditions);
    runtime = await bootAssemblyRuntime(assembly.dir);
  });
  afterAll(async () => {
    await runtime?.stop();
    assembly?.remove();
  });

  it("denies every producer role's PutEvents of its own facts, as IAM's evaluation of that template does", async () => {
    const producers = runtime.app.iam.roles.flatMap((role) =>
      role.policies
        .flatMap(({ document }) => [document.Statement].flat())
        .filter((statement) => statement.Action === 'events:PutEvents')
        .map((statement) => {
          const values = statement.Condition?.StringEquals ?? {};
          return {
            role,
            source: String([values['events:source']].flat()[0]),
            detailType: String([values['events:detail-type']].flat()[0]),
          };
        }),
    );
    expect(producers.length).toBeGreaterThanOrEqual(12);

    for (const { role, source, detailType } of producers) {
      const session = principalsOf(runtime.app).client(role.arn);
      if (!session) throw new Error(`no session of ${role.roleName}`);
      const bus = busAs(runtime.endpoints.eventBridge, runtime.app.region, session.credentials);
      const entry = {
        EventBusName: runtime.app.bus.name,
        Source: source,
        DetailType: detailType,
        Detail: '{}',
      };

      const error = await failureOf(bus.send(new PutEventsCommand({ Entries: [entry] })));

      expect(error.message, role.roleName).toBe(
        `User: ${session.arn} is not authorized to perform: events:PutEvents on resource: ${BUS_ARN} ` +
          'because no identity-based policy allows the events:PutEvents action',
      );
      bus.destroy();
    }
    expect(runtime.events).toEqual([]);
  });
});

describe("EventBridge's deliveries a copy of the template no longer permits", () => {
  let runtime: Runtime;
  let assembly: ReturnType<typeof changedAssembly>;
  const lines: string[] = [];

  /**
   * Inventory's reservation loses its Lambda permission; its release loses the permission and its DLQ's
   * allow; the audit's target role no longer trusts EventBridge.
   */
  const withdrawn = (_: string, template: TemplateJson) => {
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (
        resource.Type === 'AWS::Lambda::Permission' &&
        /^Inventory(OnPaymentProcessed|OnOrderCancelled)/.test(id)
      )
        delete template.Resources[id];
      if (
        resource.Type === 'AWS::SQS::QueuePolicy' &&
        id.startsWith('InventoryOnOrderCancelledOrderCancelledDeliveryDlq')
      ) {
        const document = resource.Properties?.PolicyDocument as { Statement: { Effect: string }[] };
        document.Statement = document.Statement.filter((statement) => statement.Effect !== 'Allow');
      }
      if (resource.Type === 'AWS::IAM::Role' && id.startsWith('AuditStateMachineEventsRole'))
        (resource.Properties as { AssumeRolePolicyDocument: unknown }).AssumeRolePolicyDocument = {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        };
    }
  };

  beforeAll(async () => {
    assembly = changedAssembly(withdrawn);
    runtime = await bootAssemblyRuntime(assembly.dir, { onLog: keepRuntimeLines(lines) });
    const bus = storefrontBus(runtime);
    await bus.send(
      new PutEventsCommand({
        Entries: [
          freshOrder(runtime.app.bus.name),
          freshOrder(runtime.app.bus.name, 'payment-declined.json'),
        ],
      }),
    );
    bus.destroy();
    await runtime.idle({ timeoutMs: 60_000 });
  });
  afterAll(async () => {
    await runtime?.stop();
    assembly?.remove();
  });

  /** The messages of the target DLQ of the rule whose logical id starts with `rulePrefix`. */
  const targetLetters = (rulePrefix: string) => {
    const rule = runtime.app.rules.find((r) => r.logicalId.startsWith(rulePrefix));
    const queue = runtime.deadLetters().find((q) => q.arn === rule?.targets[0]?.deadLetterArn);
    return queue?.messages ?? [];
  };

  it("sends a delivery the function's permissions do not allow to the target's DLQ at once, as NO_PERMISSIONS", () => {
    const [letter, ...more] = targetLetters('InventoryOnPaymentProcessedPaymentProcessedRule');

    expect(more).toEqual([]);
    expect(letter?.attributes).toMatchObject({ ERROR_CODE: 'NO_PERMISSIONS', RETRY_ATTEMPTS: '0' });
    expect(denialOf(letter?.reason ?? '')).toEqual({
      principal: 'events.amazonaws.com',
      action: 'lambda:InvokeFunction',
      resource: expect.stringMatching(/:function:InventoryOnPaymentProcessedFunction\w+$/),
    });
  });

  it('sends a delivery to a state machine whose target role does not trust EventBridge to its DLQ, as FAILED_TO_ASSUME_ROLE', () => {
    const [letter] = targetLetters('AuditOrderCancelledRule');

    expect(letter?.attributes).toMatchObject({ ERROR_CODE: 'FAILED_TO_ASSUME_ROLE' });
    expect(letter?.reason).toContain(
      'is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::',
    );
  });

  it("drops and counts a denied delivery whose DLQ's policy does not let EventBridge send to it", () => {
    expect(targetLetters('InventoryOnOrderCancelledOrderCancelledRule')).toEqual([]);
    expect(runtime.stats().lost).toBeGreaterThanOrEqual(1);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^InventoryOnOrderCancelledOrderCancelledRule\w+\/Target0: OrderCancelled \S+ given up after 1 attempt\(s\) and lost \(NO_PERMISSIONS\): its DLQ's policy does not let EventBridge send to it/,
      ),
    );
  });
});
