import { describe, expect, it } from 'vitest';
import type { LocalTarget } from '../../../../../infra/local/emulator/cloud-assembly/model.js';
import {
  evaluatePath,
  targetInput,
} from '../../../../../infra/local/emulator/eventbridge/input-transform.js';
import type { EventEnvelope } from '../../../../../infra/local/emulator/eventbridge/put-events.js';
import { ratePeriodMs } from '../../../../../infra/local/emulator/eventbridge/schedule.js';

// The EC2 event of the EventBridge user guide's "Input transformation" examples.
const event: EventEnvelope = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-0123456789', state: 'RUNNING', lines: [{ sku: 'A' }, { sku: 'B' }] },
};
const rule = {
  ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/example',
  ruleName: 'example',
  ingestionTime: event.time,
};

const target = (overrides: Partial<LocalTarget>): LocalTarget => ({
  id: 't',
  arn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
  kind: 'lambda',
  retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86_400 },
  ...overrides,
});

const transformed = (inputTemplate: string) =>
  targetInput(
    target({
      inputTransformer: {
        inputPathsMap: {
          instance: '$.detail.instance-id',
          state: '$.detail.state',
          missing: '$.detail.nope',
        },
        inputTemplate,
      },
    }),
    event,
    rule,
  );

describe('EventBridge JSONPath', () => {
  it('reads dotted paths with dashes, array indices and bracketed keys', () => {
    expect(evaluatePath('$.detail-type', event)).toEqual({ found: true, value: event['detail-type'] });
    expect(evaluatePath('$.detail.lines[1].sku', event)).toEqual({ found: true, value: 'B' });
    expect(evaluatePath("$['detail']['instance-id']", event)).toEqual({ found: true, value: 'i-0123456789' });
  });

  it('collects what a wildcard reaches into an array', () => {
    expect(evaluatePath('$.detail.lines[*].sku', event)).toEqual({ found: true, value: ['A', 'B'] });
  });

  it('reports a path that leads nowhere as not found', () => {
    expect(evaluatePath('$.detail.nope.deeper', event)).toEqual({ found: false });
  });
});

describe('target input', () => {
  it('is the whole event when the target sets no input', () => {
    expect(JSON.parse(targetInput(target({}), event, rule))).toEqual(event);
  });

  it('is the constant Input when one is set', () => {
    expect(targetInput(target({ input: '{"fixed":true}' }), event, rule)).toBe('{"fixed":true}');
  });

  it('is the part InputPath selects', () => {
    expect(JSON.parse(targetInput(target({ inputPath: '$.detail' }), event, rule))).toEqual(event.detail);
  });

  it('fills a simple string template without quoting the values', () => {
    expect(transformed('"instance <instance> is in <state>"')).toBe('"instance i-0123456789 is in RUNNING"');
  });

  it('keeps escaped quotes of a string template around a value', () => {
    expect(transformed('"instance \\"<instance>\\" is in <state>"')).toBe(
      '"instance \\"i-0123456789\\" is in RUNNING"',
    );
  });

  it('quotes string values placed outside quotes in a JSON template', () => {
    expect(
      JSON.parse(
        transformed('{ "instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes" }'),
      ),
    ).toEqual({ instance: 'i-0123456789', state: [9, 'RUNNING', true], Transformed: 'Yes' });
  });

  it('inserts values inside JSON strings as text', () => {
    expect(JSON.parse(transformed('{"instanceStatus": "instance \\"<instance>\\" is in <state>"}'))).toEqual({
      instanceStatus: 'instance "i-0123456789" is in RUNNING',
    });
  });

  it('offers the predefined rule and event variables', () => {
    const filled = JSON.parse(
      transformed(
        '{"ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, "original": <aws.events.event>, "full": <aws.events.event.json>}',
      ),
    );
    expect(filled.ruleArn).toBe(rule.ruleArn);
    expect(filled.ruleName).toBe('example');
    const { detail: _detail, ...withoutDetail } = event;
    expect(filled.original).toEqual(withoutDetail);
    expect(filled.full).toEqual(event);
  });

  it('gives a variable whose path matched nothing as null in JSON and as nothing in a string', () => {
    expect(JSON.parse(transformed('{"value": <missing>, "text": "[<missing>]"}'))).toEqual({
      value: null,
      text: '[]',
    });
  });

  it('leaves a placeholder that names no variable as it is', () => {
    expect(transformed('"<b>bold</b> <state>"')).toBe('"<b>bold</b> RUNNING"');
  });
});

describe('schedule expressions', () => {
  it('reads rate expressions in minutes, hours and days', () => {
    expect(ratePeriodMs('rate(1 minute)')).toBe(60_000);
    expect(ratePeriodMs('rate(5 minutes)')).toBe(300_000);
    expect(ratePeriodMs('rate(2 hours)')).toBe(7_200_000);
    expect(ratePeriodMs('rate(1 day)')).toBe(86_400_000);
  });

  it('refuses a cron expression with a message that says it is unsupported locally', () => {
    expect(() => ratePeriodMs('cron(0 12 * * ? *)', 'nightly')).toThrow(/nightly.*cron.*not support/);
  });

  it('refuses a malformed rate, as EventBridge does for "rate(1 minutes)"', () => {
    expect(() => ratePeriodMs('rate(1 minutes)')).toThrow(/not a valid rate expression/);
    expect(() => ratePeriodMs('rate(0 minutes)')).toThrow(/not a valid rate expression/);
  });
});
