import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedNames, StackNames } from '../../infra/project.js';
import { CancellationReason, findingsOfKind } from '../../shared/events/index.js';
import {
  AuditVerdictRules,
  MATCHED_EVENTS_METRIC,
  METRICS_NAMESPACE,
  MetricDimension,
  Metrics,
} from '../../shared/metrics.js';
import {
  mergeTemplates,
  parseTemplates,
  sharedTemplates,
  synthesize,
  type Template,
} from './support/synth.js';
import {
  localArn,
  onlyResourceOfType,
  referencedIds,
  refOf,
  resourcesOfType,
  textOf,
} from './support/template.js';

type Alarm = {
  AlarmName: string;
  AlarmDescription: string;
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: unknown }[];
  Threshold: number;
  ComparisonOperator: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
};

let template: Template;
let stacks: Record<string, Template>;
let alarms: [string, Alarm][];

beforeAll(async () => {
  stacks = await sharedTemplates();
  template = mergeTemplates(stacks);
  alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([id, r]) => [id, r.Properties as Alarm]);
});

/** The alarm topic's ARN, as every stack builds it from the topic's name. */
const TOPIC_ARN = localArn('sns', SharedNames.alarmTopic);

const ids = (type: string) => resourcesOfType(template, type).map(([id]) => id);
/** The alarms on `metricName` whose dimensions reference `resourceId`. */
const alarmsOn = (metricName: string, resourceId: string) =>
  alarms.filter(([, a]) => a.MetricName === metricName && referencedIds(a.Dimensions).has(resourceId));
const targetedRules = () =>
  resourcesOfType(template, 'AWS::Events::Rule').filter(
    ([, rule]) => ((rule.Properties.Targets ?? []) as unknown[]).length > 0,
  );

describe('the alarms', () => {
  it('watch every dead-letter queue for a visible message', () => {
    for (const queueId of ids('AWS::SQS::Queue')) {
      const watching = alarmsOn('ApproximateNumberOfMessagesVisible', queueId);
      expect(watching, queueId).toHaveLength(1);
      expect(watching[0]?.[1].Threshold).toBe(1);
    }
  });

  it("warn before a dead letter reaches its queue's retention", () => {
    for (const [queueId, queue] of resourcesOfType(template, 'AWS::SQS::Queue')) {
      const watching = alarmsOn('ApproximateAgeOfOldestMessage', queueId);
      expect(watching, queueId).toHaveLength(1);
      const threshold = watching[0]?.[1].Threshold as number;
      expect(threshold).toBeLessThan(queue.Properties.MessageRetentionPeriod as number);
      expect(threshold).toBeGreaterThan((queue.Properties.MessageRetentionPeriod as number) / 2);
    }
  });

  it("watch every function's errors and throttles", () => {
    for (const functionId of ids('AWS::Lambda::Function')) {
      expect(alarmsOn('Errors', functionId), functionId).toHaveLength(1);
      expect(alarmsOn('Throttles', functionId), functionId).toHaveLength(1);
    }
  });

  it("watch every rule target's failed invocations, on the rule's bus", () => {
    const rules = targetedRules();
    expect(rules.length).toBeGreaterThan(0);
    for (const [ruleId, rule] of rules) {
      const watching = alarmsOn('FailedInvocations', ruleId);
      expect(watching, ruleId).toHaveLength(1);
      const names = watching[0]?.[1].Dimensions.map((d) => d.Name);
      expect(names).toStrictEqual(
        rule.Properties.EventBusName === undefined ? ['RuleName'] : ['EventBusName', 'RuleName'],
      );
    }
  });

  it("watch the audit's failed and timed-out executions", () => {
    const [stateMachineId] = onlyResourceOfType(template, 'AWS::StepFunctions::StateMachine');

    expect(alarmsOn('ExecutionsFailed', stateMachineId)).toHaveLength(1);
    expect(alarmsOn('ExecutionsTimedOut', stateMachineId)).toHaveLength(1);
  });

  it('fire on one inconsistent verdict, counted by a rule on SagaAudited that delivers nothing', () => {
    const watching = alarms.filter(
      ([, a]) =>
        a.MetricName === MATCHED_EVENTS_METRIC &&
        a.Dimensions.some((d) => d.Name === 'RuleName' && d.Value === AuditVerdictRules.inconsistent),
    );
    expect(watching).toHaveLength(1);
    expect(watching[0]?.[1].Threshold).toBe(1);

    const [, rule] = resourcesOfType(template, 'AWS::Events::Rule').find(
      ([, r]) => r.Properties.Name === AuditVerdictRules.inconsistent,
    ) ?? [undefined, undefined];
    expect(rule?.Properties.Targets).toBeUndefined();
    expect(rule?.Properties.EventPattern).toMatchObject({
      source: ['shop.saga-audit'],
      'detail-type': ['SagaAudited'],
      detail: { consistent: [false] },
    });
  });

  it('fire on deadline cancellations, read from the business metric the order service emits', () => {
    const watching = alarms.filter(([, a]) => a.Namespace === METRICS_NAMESPACE);

    expect(watching).toHaveLength(1);
    const [, alarm] = watching[0] as [string, Alarm];
    expect(alarm.MetricName).toBe(Metrics.ordersCancelled.name);
    expect(alarm.Dimensions).toStrictEqual([
      { Name: MetricDimension.reason, Value: CancellationReason.enum.DEADLINE_EXCEEDED },
      { Name: MetricDimension.service, Value: 'order' },
    ]);
  });

  it('name only metrics of the business namespace that shared/metrics.ts declares', () => {
    const declared = new Set<string>(Object.values(Metrics).map((metric) => metric.name));
    for (const [id, alarm] of alarms.filter(([, a]) => a.Namespace === METRICS_NAMESPACE)) {
      expect(declared.has(alarm.MetricName), id).toBe(true);
    }
  });

  it('all notify the one topic, found by its name, when they fire and when they clear', () => {
    const [, topic] = onlyResourceOfType(template, 'AWS::SNS::Topic');
    expect(topic.Properties.TopicName).toBe(SharedNames.alarmTopic);
    for (const [id, alarm] of alarms) {
      expect(alarm.AlarmActions.map(textOf), id).toStrictEqual([TOPIC_ARN]);
      expect(alarm.OKActions.map(textOf), id).toStrictEqual([TOPIC_ARN]);
      expect(alarm.ComparisonOperator, id).toBe('GreaterThanOrEqualToThreshold');
    }
  });

  it('each say what they mean and what to do, naming a command', () => {
    for (const [id, alarm] of alarms) {
      expect(typeof alarm.AlarmDescription, id).toBe('string');
      expect(alarm.AlarmDescription.length, id).toBeGreaterThan(100);
      expect(alarm.AlarmDescription.length, id).toBeLessThanOrEqual(1024);
      expect(alarm.AlarmDescription, id).toMatch(/`(aws |npm run saga -- dlq)/);
    }
  });

  it('ask for an audit by hand only where an audit execution failed: a redrive re-audits by itself', () => {
    const asking = alarms.filter(([, a]) => a.AlarmDescription.includes('start-execution'));
    expect(asking.map(([, a]) => a.AlarmName).sort()).toEqual(
      ['AuditExecutionsFailed', 'AuditExecutionsTimedOut'].map((name) => expect.stringContaining(name)),
    );
  });

  it('say which kind an inconsistent verdict is, naming the findings of both', () => {
    const [[, inconsistent] = []] = alarms.filter(([, a]) => a.AlarmName.endsWith('InconsistentAudits'));
    for (const finding of [...findingsOfKind('BROKEN_RULE'), ...findingsOfKind('STUCK_STEP')]) {
      if (finding !== 'ORDER_NOT_FOUND') expect(inconsistent?.AlarmDescription).toContain(finding);
    }
    expect(inconsistent?.AlarmDescription).toMatch(/broken rule.*stuck step/s);
  });

  it('have distinct names', () => {
    const names = alarms.map(([, a]) => a.AlarmName);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('the alarm topic', () => {
  it('is encrypted with a rotated customer managed key that CloudWatch may use, and refuses plain HTTP', () => {
    const [, topic] = onlyResourceOfType(template, 'AWS::SNS::Topic');
    const [keyId, key] = onlyResourceOfType(template, 'AWS::KMS::Key');
    const [, policy] = onlyResourceOfType(template, 'AWS::SNS::TopicPolicy');

    expect(refOf(topic.Properties.KmsMasterKeyId)).toBe(keyId);
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key.Properties.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it('has no subscription unless an e-mail address is given', () => {
    expect(ids('AWS::SNS::Subscription')).toHaveLength(0);
  });

  describe('with -c alarmEmail', () => {
    const outdirs: string[] = [];
    const synthesizeWith = (context: Record<string, unknown>) => {
      const outdir = mkdtempSync(join(tmpdir(), 'order-saga-operations-'));
      outdirs.push(outdir);
      return mergeTemplates(
        parseTemplates(synthesize(outdir, { 'aws:cdk:bundling-stacks': [], ...context }).templateTexts),
      );
    };
    afterAll(() => {
      for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
    });

    it('e-mails the address', () => {
      const withEmail = synthesizeWith({ alarmEmail: 'oncall@example.com' });
      const [topic] = onlyResourceOfType(withEmail, 'AWS::SNS::Topic');
      const [, subscription] = onlyResourceOfType(withEmail, 'AWS::SNS::Subscription');

      expect(subscription.Properties).toMatchObject({ Protocol: 'email', Endpoint: 'oncall@example.com' });
      expect(refOf(subscription.Properties.TopicArn)).toBe(topic);
    }, 120_000);

    it('refuses what is not an e-mail address', () => {
      expect(() => synthesizeWith({ alarmEmail: 'oncall' })).toThrow(/must be an e-mail address/);
    });
  });
});

/** The dashboard's body as the JSON it becomes, each reference replaced by the logical id it names. */
const dashboardJson = (body: unknown): string => {
  const parts = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return parts.map((part) => (typeof part === 'string' ? part : [...referencedIds(part)].join())).join('');
};

describe("each stack's dashboard", () => {
  /** Each stack's dashboard with its body as JSON text, by stack (the bus stack has none: it has no alarm). */
  const dashboards = () =>
    Object.entries(stacks)
      .filter(([, stack]) => resourcesOfType(stack, 'AWS::CloudWatch::Dashboard').length > 0)
      .map(([name, stack]) => {
        const [, dashboard] = onlyResourceOfType(stack, 'AWS::CloudWatch::Dashboard');
        const body = dashboard.Properties.DashboardBody;
        return { name, stack, body, text: dashboardJson(body) };
      });
  const ofStack = (stack: Template, type: string) => resourcesOfType(stack, type).map(([id]) => id);

  it('is one per stack that has alarms, named after the stack, and valid JSON once deployed', () => {
    expect(
      dashboards()
        .map(({ name }) => name)
        .sort(),
    ).toStrictEqual(
      Object.keys(stacks)
        .filter((name) => name !== StackNames.bus)
        .sort(),
    );
    for (const { name, stack, text } of dashboards()) {
      expect(onlyResourceOfType(stack, 'AWS::CloudWatch::Dashboard')[1].Properties.DashboardName).toBe(name);
      expect(() => JSON.parse(text), name).not.toThrow();
    }
  });

  it('names every dead-letter queue, function and alarm of its stack', () => {
    for (const { stack, body } of dashboards()) {
      const named = referencedIds(body);
      for (const type of ['AWS::SQS::Queue', 'AWS::Lambda::Function', 'AWS::CloudWatch::Alarm'])
        for (const id of ofStack(stack, type)) expect(named.has(id), id).toBe(true);
    }
  });

  it("shows, on the audit's, the funnel, every cancellation reason, duration percentiles and audit verdicts", () => {
    const audit = dashboards().find(({ name }) => name === StackNames.audit);
    const funnel = [
      Metrics.ordersPlaced,
      Metrics.paymentsCharged,
      Metrics.stockReserved,
      Metrics.ordersConfirmed,
    ];
    const metrics = (
      JSON.parse(audit?.text ?? '{}') as { widgets: { properties: { metrics?: unknown[][] } }[] }
    ).widgets
      .flatMap((widget) => widget.properties.metrics ?? [])
      .map((metric) => JSON.stringify(metric));

    for (const { name } of funnel)
      expect(
        metrics.some((m) => m.includes(`"${name}"`)),
        name,
      ).toBe(true);
    for (const reason of CancellationReason.options) {
      expect(
        metrics.some((m) => m.includes(`"reason","${reason}"`)),
        reason,
      ).toBe(true);
    }
    expect(metrics.some((m) => m.includes(`"${Metrics.sagaDuration.name}"`) && m.includes('"p99"'))).toBe(
      true,
    );
    for (const rule of [AuditVerdictRules.consistent, AuditVerdictRules.inconsistent]) {
      expect(
        metrics.some((m) => m.includes(`"RuleName","${rule}"`)),
        rule,
      ).toBe(true);
    }
  });
});

describe('the bus log', () => {
  it('records errors without the events’ detail', () => {
    const [, bus] = onlyResourceOfType(template, 'AWS::Events::EventBus');

    expect(bus.Properties.LogConfig).toStrictEqual({ Level: 'ERROR', IncludeDetail: 'NONE' });
  });

  it("delivers the bus's error logs to a log group of their own", () => {
    const [busId] = onlyResourceOfType(template, 'AWS::Events::EventBus');
    const [, source] = onlyResourceOfType(template, 'AWS::Logs::DeliverySource');
    const [destinationId, destination] = onlyResourceOfType(template, 'AWS::Logs::DeliveryDestination');
    const [, delivery] = onlyResourceOfType(template, 'AWS::Logs::Delivery');
    const logGroup = template.Resources[refOf(destination.Properties.DestinationResourceArn) as string];

    expect(source.Properties.LogType).toBe('ERROR_LOGS');
    expect(refOf(source.Properties.ResourceArn)).toBe(busId);
    expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup?.Properties.LogGroupName).toBe(`/aws/vendedlogs/events/event-bus/${SharedNames.bus}`);
    expect(delivery.Properties.DeliverySourceName).toBe(source.Properties.Name);
    expect(refOf(delivery.Properties.DeliveryDestinationArn)).toBe(destinationId);
  });
});
