import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAssembly } from '../../../../../infra/local/emulator/cloud-assembly/template.js';
import { CDK_OUT } from '../../../../../infra/local/saga/boot.js';
import { assemblyTemplate } from '../../../support/synth.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A cloud assembly holding one stack with these resources. */
const assemblyWith = (resources: Record<string, unknown>) => {
  const dir = mkdtempSync(join(tmpdir(), 'alarms-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'Alarms.template.json'), JSON.stringify({ Resources: resources }));
  return () => loadAssembly({ cdkOutDir: dir, stacks: ['Alarms'] });
};

describe("the template's alarms, as the local runtime reads them", () => {
  it('reads every alarm of the synthesized stacks, its dimensions resolved to local resources', () => {
    const template = assemblyTemplate(CDK_OUT);
    const app = loadAssembly({ cdkOutDir: CDK_OUT });
    const declared = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(app.alarms).toHaveLength(declared.length);
    const queueNames = new Set(app.queues.map((q) => q.queueName));
    const sqs = app.alarms.filter((alarm) => alarm.namespace === 'AWS/SQS');
    expect(sqs.length).toBeGreaterThan(0);
    expect(sqs.every((alarm) => queueNames.has(alarm.dimensions.QueueName ?? ''))).toBe(true);
    const ruleNames = new Set(app.rules.map((rule) => rule.name));
    const failed = app.alarms.filter((alarm) => alarm.metricName === 'FailedInvocations');
    expect(failed.every((alarm) => ruleNames.has(alarm.dimensions.RuleName ?? ''))).toBe(true);
  });

  it('refuses a metric-math alarm, naming it', () => {
    const load = assemblyWith({
      Ratio: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          EvaluationPeriods: 1,
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 1,
          Metrics: [],
        },
      },
    });
    expect(load).toThrow(/Alarm Ratio is a metric-math alarm/);
  });

  it('refuses an anomaly-detection comparison, naming the alarm', () => {
    const load = assemblyWith({
      Band: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          Namespace: 'N',
          MetricName: 'M',
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
        },
      },
    });
    expect(load).toThrow(/Alarm Band comparison operator LessThanLowerOrGreaterThanUpperThreshold/);
  });
});
