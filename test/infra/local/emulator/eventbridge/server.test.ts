import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../../../infra/local/emulator/eventbridge/put-events.js';
import {
  type BusRule,
  type EventBridgeServer,
  startEventBridgeServer,
} from '../../../../../infra/local/emulator/eventbridge/server.js';
import { patternCases } from './pattern-cases.js';

const BUS = 'saga-bus';
/** A second custom bus the server stands for, with no rules. */
const OTHER_BUS = 'library';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

const rules: BusRule[] = [
  {
    name: 'payment-on-order-placed',
    eventBusName: BUS,
    eventPattern: { source: ['shop.orders'], 'detail-type': ['OrderPlaced'] },
    state: 'ENABLED',
    targets: [{ id: 'charge', arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:payment-charge` }],
  },
  {
    name: 'audit-on-order-settled',
    eventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`,
    eventPattern: JSON.stringify({ 'detail-type': ['OrderConfirmed', 'OrderCancelled'] }),
    state: 'DISABLED',
    targets: [
      { id: 'audit', arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:audit` },
      { id: 'log', arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:audit` },
    ],
  },
];

const entry = (overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: BUS,
  Source: 'shop.orders',
  DetailType: 'OrderPlaced',
  Detail: JSON.stringify({ orderId: 'o-1', amountCents: 1250 }),
  ...overrides,
});

let server: EventBridgeServer;
let client: EventBridgeClient;
const delivered: EventEnvelope[][] = [];
/** The bus of each batch in `delivered`. */
const deliveredOn: string[] = [];

beforeAll(async () => {
  server = await startEventBridgeServer({
    buses: [BUS, OTHER_BUS],
    rules,
    account: ACCOUNT,
    region: REGION,
    onEvents: (events, bus) => {
      delivered.push(events);
      deliveredOn.push(bus);
    },
  });
  client = new EventBridgeClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterEach(() => {
  delivered.length = 0;
  deliveredOn.length = 0;
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

describe('PutEvents', () => {
  it('returns an event id per entry and hands the envelopes to onEvents', async () => {
    const response = await client.send(
      new PutEventsCommand({ Entries: [entry(), entry({ Detail: '{"orderId":"o-2"}' })] }),
    );

    expect(response.FailedEntryCount).toBe(0);
    const ids = response.Entries?.map((e) => e.EventId);
    expect(ids).toHaveLength(2);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.map((e) => e.id)).toEqual(ids);
    expect(delivered[0]?.[0]).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      'detail-type': 'OrderPlaced',
      source: 'shop.orders',
      account: ACCOUNT,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: REGION,
      resources: [],
      detail: { orderId: 'o-1', amountCents: 1250 },
    });
  });

  it('stamps the envelope with the entry Time to the second, and carries its resources', async () => {
    await client.send(
      new PutEventsCommand({
        Entries: [entry({ Time: new Date('2024-05-01T12:34:56.789Z'), Resources: ['arn:aws:s3:::bucket'] })],
      }),
    );

    expect(delivered[0]?.[0]?.time).toBe('2024-05-01T12:34:56Z');
    expect(delivered[0]?.[0]?.resources).toEqual(['arn:aws:s3:::bucket']);
  });

  it('rejects a request of more than 10 entries as a whole', async () => {
    const entries = Array.from({ length: 11 }, () => entry());

    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 10'),
      $metadata: { httpStatusCode: 400 },
    });
    expect(delivered).toEqual([]);
  });

  it('rejects a request whose entries total more than 256 KiB', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(130 * 1024) });

    await expect(
      client.send(new PutEventsCommand({ Entries: [entry({ Detail: big }), entry({ Detail: big })] })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
  });

  it('reports missing fields and a malformed detail per entry, and delivers the valid entries', async () => {
    const response = await client.send(
      new PutEventsCommand({
        Entries: [
          entry({ Source: undefined }),
          entry({ DetailType: undefined }),
          entry({ Detail: undefined }),
          entry({ Detail: '["not", "an", "object"]' }),
          entry({ Detail: '{not json' }),
          entry(),
        ],
      }),
    );

    expect(response.FailedEntryCount).toBe(5);
    expect(response.Entries?.slice(0, 5)).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
    ]);
    expect(response.Entries?.[5]?.EventId).toEqual(delivered[0]?.[0]?.id);
    expect(delivered[0]).toHaveLength(1);
  });

  it('refuses an entry for a bus that does not exist', async () => {
    const response = await client.send(new PutEventsCommand({ Entries: [entry({ EventBusName: 'nope' })] }));

    expect(response).toMatchObject({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus nope does not exist.' }],
    });
    expect(delivered).toEqual([]);
  });

  it('hands on an entry that names no bus as an event of the default bus', async () => {
    const response = await client.send(
      new PutEventsCommand({ Entries: [entry({ EventBusName: undefined })] }),
    );

    expect(response.FailedEntryCount).toBe(0);
    expect(delivered.map((events) => events.map((e) => e.id))).toEqual([[response.Entries?.[0]?.EventId]]);
    expect(deliveredOn).toEqual(['default']);
  });

  it('hands on the entries of each bus of a request apart, each batch with its bus', async () => {
    const response = await client.send(
      new PutEventsCommand({
        Entries: [entry(), entry({ EventBusName: OTHER_BUS }), entry({ Detail: '{"orderId":"o-3"}' })],
      }),
    );

    const ids = response.Entries?.map((e) => e.EventId);
    expect(deliveredOn).toEqual([BUS, OTHER_BUS]);
    expect(delivered.map((events) => events.map((e) => e.id))).toEqual([[ids?.[0], ids?.[2]], [ids?.[1]]]);
  });

  it('accepts the bus by its ARN', async () => {
    const response = await client.send(
      new PutEventsCommand({
        Entries: [entry({ EventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}` })],
      }),
    );

    expect(response.FailedEntryCount).toBe(0);
    expect(delivered).toHaveLength(1);
  });
});

describe('TestEventPattern', () => {
  const ec2Event = patternCases[0]?.event;

  it('answers true for a matching event and false otherwise', async () => {
    const test = (pattern: unknown) =>
      client.send(
        new TestEventPatternCommand({
          EventPattern: JSON.stringify(pattern),
          Event: JSON.stringify(ec2Event),
        }),
      );

    expect((await test({ source: ['aws.ec2'] })).Result).toBe(true);
    expect((await test({ source: ['aws.s3'] })).Result).toBe(false);
  });

  it('rejects a malformed pattern with InvalidEventPatternException', async () => {
    await expect(
      client.send(
        new TestEventPatternCommand({
          EventPattern: '{"source": "aws.ec2"}',
          Event: JSON.stringify(ec2Event),
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
      message: expect.stringContaining('Event pattern is not valid'),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('rejects a pattern that is not JSON with InvalidEventPatternException', async () => {
    await expect(
      client.send(new TestEventPatternCommand({ EventPattern: '{source', Event: JSON.stringify(ec2Event) })),
    ).rejects.toMatchObject({ name: 'InvalidEventPatternException' });
  });

  it('rejects an event without the mandatory envelope fields', async () => {
    await expect(
      client.send(
        new TestEventPatternCommand({
          EventPattern: '{"source": ["aws.ec2"]}',
          Event: JSON.stringify({ source: 'aws.ec2' }),
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('Event') });
  });

  it.each(patternCases)(
    'gives the documented answer through the API: $name',
    async ({ pattern, event, expected }) => {
      const response = await client.send(
        new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) }),
      );

      expect(response.Result).toBe(expected);
    },
  );
});

describe('rules and buses', () => {
  const ruleArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${BUS}/${name}`;

  it('lists the rules of the bus, patterns as JSON text', async () => {
    const response = await client.send(new ListRulesCommand({ EventBusName: BUS }));

    expect(response.Rules).toEqual([
      {
        Name: 'audit-on-order-settled',
        Arn: ruleArn('audit-on-order-settled'),
        EventPattern: '{"detail-type":["OrderConfirmed","OrderCancelled"]}',
        State: 'DISABLED',
        EventBusName: BUS,
      },
      {
        Name: 'payment-on-order-placed',
        Arn: ruleArn('payment-on-order-placed'),
        EventPattern: '{"source":["shop.orders"],"detail-type":["OrderPlaced"]}',
        State: 'ENABLED',
        EventBusName: BUS,
      },
    ]);
  });

  it('lists the rules by name prefix, a page at a time', async () => {
    const first = await client.send(new ListRulesCommand({ EventBusName: BUS, Limit: 1 }));
    const second = await client.send(
      new ListRulesCommand({ EventBusName: BUS, Limit: 1, NextToken: first.NextToken }),
    );
    const byPrefix = await client.send(new ListRulesCommand({ EventBusName: BUS, NamePrefix: 'payment' }));

    expect(first.Rules?.map((r) => r.Name)).toEqual(['audit-on-order-settled']);
    expect(second.Rules?.map((r) => r.Name)).toEqual(['payment-on-order-placed']);
    expect(second.NextToken).toBeUndefined();
    expect(byPrefix.Rules?.map((r) => r.Name)).toEqual(['payment-on-order-placed']);
  });

  it('lists no rules on the default bus', async () => {
    expect((await client.send(new ListRulesCommand({}))).Rules).toEqual([]);
  });

  it('describes a rule', async () => {
    const response = await client.send(
      new DescribeRuleCommand({ Name: 'payment-on-order-placed', EventBusName: BUS }),
    );

    expect(response).toMatchObject({
      Name: 'payment-on-order-placed',
      Arn: ruleArn('payment-on-order-placed'),
      State: 'ENABLED',
      EventBusName: BUS,
    });
    expect(JSON.parse(response.EventPattern ?? '')).toEqual(rules[0]?.eventPattern);
  });

  it('reports an unknown rule with ResourceNotFoundException', async () => {
    await expect(
      client.send(new DescribeRuleCommand({ Name: 'nope', EventBusName: BUS })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Rule nope does not exist on EventBus ${BUS}.`,
    });
  });

  it('lists the targets of a rule', async () => {
    const response = await client.send(
      new ListTargetsByRuleCommand({ Rule: 'audit-on-order-settled', EventBusName: BUS }),
    );

    expect(response.Targets).toEqual([
      { Id: 'audit', Arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:audit` },
      { Id: 'log', Arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:audit` },
    ]);
  });

  it('lists the default bus and the served buses', async () => {
    const response = await client.send(new ListEventBusesCommand({}));

    expect(response.EventBuses).toEqual([
      { Name: 'default', Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default` },
      { Name: OTHER_BUS, Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${OTHER_BUS}` },
      { Name: BUS, Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}` },
    ]);
  });
});

describe('the protocol', () => {
  const post = (target: string, body: string) =>
    fetch(server.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': target },
      body,
    });

  it('answers an unknown operation with UnknownOperationException', async () => {
    const response = await post('AWSEvents.PutRule', '{}');

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('answers a body that is not JSON with SerializationException', async () => {
    const response = await post('AWSEvents.PutEvents', '{');

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'SerializationException' });
  });

  it('fails the request with InternalException (HTTP 500) when onEvents throws', async () => {
    const failing = await startEventBridgeServer({
      buses: [BUS],
      rules: [],
      account: ACCOUNT,
      region: REGION,
      onEvents: () => {
        throw new Error('runtime is down');
      },
    });
    try {
      const response = await fetch(failing.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSEvents.PutEvents' },
        body: JSON.stringify({ Entries: [entry()] }),
      });

      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ __type: 'InternalException', message: 'runtime is down' });
    } finally {
      await failing.close();
    }
  });

  it('refuses to start with a rule whose pattern is malformed', async () => {
    const badRule = { ...(rules[0] as BusRule), eventPattern: { source: 'shop.orders' } };

    await expect(
      startEventBridgeServer({
        buses: [BUS],
        rules: [badRule],
        account: ACCOUNT,
        region: REGION,
        onEvents: () => {},
      }),
    ).rejects.toThrow(/must be an object or an array/);
  });
});
