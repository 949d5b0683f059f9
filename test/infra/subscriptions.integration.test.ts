import { beforeAll, describe, expect, it } from 'vitest';
import { SharedNames } from '../../infra/project.js';
import { sharedTemplate, type Template } from './support/synth.js';
import {
  AUDIT,
  DEADLINE_SWEEP,
  functionsByEntry,
  onlyResourceOfType,
  refOf,
  resourcesOfType,
  Subscriptions,
} from './support/template.js';

type Target = {
  Arn: unknown;
  RetryPolicy?: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number };
  DeadLetterConfig?: { Arn: unknown };
};

let template: Template;
let stateMachineId: string;
let functions: Map<string, string>;

beforeAll(async () => {
  template = await sharedTemplate();
  [stateMachineId] = onlyResourceOfType(template, 'AWS::StepFunctions::StateMachine');
  functions = functionsByEntry(template);
});

const rules = () => resourcesOfType(template, 'AWS::Events::Rule');
/** The rules on the saga bus, which each consumer's stack names. */
const busRules = () => rules().filter(([, rule]) => rule.Properties.EventBusName === SharedNames.bus);
const targetsOf = (rule: (typeof template.Resources)[string]) => (rule.Properties.Targets ?? []) as Target[];
const consumerIdOf = (consumer: string) => (consumer === AUDIT ? stateMachineId : functions.get(consumer));

describe('the subscriptions of the saga bus', () => {
  it.each(Subscriptions)(
    'feeds $consumer with $event.detailType from $event.source, by source and detail-type',
    ({ consumer, event }) => {
      const consumerId = consumerIdOf(consumer);
      expect(consumerId, `${consumer} is deployed`).toBeDefined();

      const feeding = busRules().filter(
        ([, rule]) =>
          targetsOf(rule).some((target) => refOf(target.Arn) === consumerId) &&
          JSON.stringify(rule.Properties.EventPattern).includes(`"${event.detailType}"`),
      );

      expect(feeding).toHaveLength(1);
      const [, rule] = feeding[0] as [string, (typeof template.Resources)[string]];
      expect(rule.Properties.EventPattern).toStrictEqual({
        source: [event.source],
        'detail-type': [event.detailType],
      });
      expect(targetsOf(rule)).toHaveLength(1);
    },
  );

  it('subscribes nobody else to any event of the bus', () => {
    const subscribed = busRules().flatMap(([, rule]) => {
      const pattern = rule.Properties.EventPattern as { source: string[]; 'detail-type': string[] };
      return targetsOf(rule).map((target) => ({
        consumer: refOf(target.Arn),
        source: pattern.source,
        detailType: pattern['detail-type'],
      }));
    });

    const expected = Subscriptions.map(({ consumer, event }) => ({
      consumer: consumerIdOf(consumer),
      source: [event.source],
      detailType: [event.detailType],
    }));
    expect(subscribed).toHaveLength(expected.length);
    expect(subscribed).toEqual(expect.arrayContaining(expected));
  });

  it('runs the deadline sweep every minute, from the default bus', () => {
    const scheduled = rules().filter(([, rule]) => rule.Properties.ScheduleExpression !== undefined);

    expect(scheduled).toHaveLength(1);
    const [, schedule] = scheduled[0] as [string, (typeof template.Resources)[string]];
    expect(schedule.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(schedule.Properties.EventBusName).toBeUndefined();
    expect(targetsOf(schedule).map((target) => refOf(target.Arn))).toStrictEqual([
      functions.get(DEADLINE_SWEEP),
    ]);
  });
});

describe('the delivery of every rule target', () => {
  it('has an explicit retry policy', () => {
    for (const [id, rule] of rules()) {
      for (const target of targetsOf(rule)) {
        expect(target.RetryPolicy?.MaximumEventAgeInSeconds, id).toBeGreaterThanOrEqual(60);
        expect(target.RetryPolicy?.MaximumRetryAttempts, id).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('has a dead-letter queue of its own, encrypted, that only its rule may send to', () => {
    const queues = new Set<string>();
    for (const [ruleId, rule] of rules()) {
      for (const target of targetsOf(rule)) {
        const queueId = refOf(target.DeadLetterConfig?.Arn);
        expect(queueId, `${ruleId} has a DLQ`).toBeDefined();
        const queue = template.Resources[queueId as string];
        expect(queue?.Type).toBe('AWS::SQS::Queue');
        expect(queue?.Properties.SqsManagedSseEnabled).toBe(true);
        expect(queues.has(queueId as string), `${queueId} is shared`).toBe(false);
        queues.add(queueId as string);

        const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy').filter(([, policy]) =>
          (policy.Properties.Queues as unknown[]).some((q) => refOf(q) === queueId),
        );
        const statements = policies.flatMap(
          ([, policy]) =>
            (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
        );
        expect(statements).toContainEqual(
          expect.objectContaining({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
          }),
        );
      }
    }
    expect(queues.size).toBe(Subscriptions.length + 1);
  });
});
